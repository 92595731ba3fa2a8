import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before } from 'node:test';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { startKiln, type TestKiln } from './kiln.js';

/*
 * The console's tests in a real browser: Debian's Chromium (installed by scripts/ensure-test-deps.mjs,
 * never a downloaded one) driven by playwright-core, against a real Kiln serving the built console.
 * One browser and one Kiln per test file; every page the tests open is watched for console errors,
 * uncaught exceptions and Content-Security-Policy violations, and a test that caused any fails.
 */

/** Where screenshots (and the performance figures) go: test-output/console/ (gitignored). */
export const OUTPUT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-output', 'console');
export const LAPTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Reported to the page's console by the init script, so the console listener sees CSP violations too. */
const CSP_MARK = 'kiln-test: CSP violation';

export interface ConsoleFixture {
  /** The running Kiln (its `credentials` are the default account's AccessKey pair). */
  readonly kiln: TestKiln;
  /** The browser's one context (a fresh profile in a temp dir, removed after the file). */
  readonly context: BrowserContext;
  /** The browser's profile dir (also its HOME): everything Chromium writes to disk is under it. */
  readonly profileDir: string;
  /** The page the tests drive (watched; laptop size). */
  readonly page: Page;
  /** `http://127.0.0.1:<port>/console<path>`. */
  url(path?: string): string;
  /** Opens the sign-in page and signs in with the default account's AccessKey (or `key`); waits for the shell. */
  signIn(key?: { accessKeyId: string; accessKeySecret: string }): Promise<void>;
  /** Writes `test-output/console/<name>.png` of the page at `size` (laptop by default), then restores the laptop size. */
  screenshot(name: string, size?: { width: number; height: number }): Promise<void>;
  /** A new page in the same context, watched like the first. */
  newPage(): Promise<Page>;
  /** Errors the pages reported since the current test began (checked and reset after each test). */
  readonly problems: string[];
}

/** The built console (dist/console); a no-op when it is current. */
async function buildConsole(): Promise<void> {
  const script = new URL('../../scripts/build-console.mjs', import.meta.url).href;
  const { buildConsole: build } = (await import(script)) as { buildConsole(opts?: { force?: boolean }): Promise<boolean> };
  await build();
}

/** Chromium processes started with this profile dir (HOME is the same dir, so crashpad's too). */
function chromiumProcesses(profile: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', '--', profile], { encoding: 'utf8' }).split('\n').filter((l) => l && !l.includes('pgrep'));
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/**
 * Registers the hooks (module level): before, the console is built, a Kiln started (with `env`)
 * and Chromium launched with a fresh profile; after each test, the pages' problems are checked;
 * after, everything is closed and no Chromium process of this profile may be left.
 */
export function consoleFixture(env: Record<string, string> = {}, onStart?: (kiln: TestKiln) => Promise<void>): ConsoleFixture {
  let kiln: TestKiln | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  let profile: string | undefined;
  const problems: string[] = [];

  const watch = async (p: Page): Promise<Page> => {
    p.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
    p.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const text = msg.text();
      // An API answer the app handles (401 before sign-in, 404 of a deleted id, a refused call) is
      // logged by Chromium as a failed resource load; those are the contract, not a fault. A 5xx is.
      const url = msg.location().url;
      // Chromium's own request for /favicon.ico (the console names no icon) is not the app's either.
      if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(text) && (url.includes('/console/api/') || new URL(url).pathname === '/favicon.ico')) return;
      problems.push(`console.error: ${text} (${url})`);
    });
    return p;
  };

  before(async () => {
    await buildConsole();
    kiln = await startKiln(env);
    await onStart?.(kiln);
    mkdirSync(OUTPUT_DIR, { recursive: true });
    profile = mkdtempSync(join(tmpdir(), 'kiln-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      viewport: LAPTOP,
      // Chromium's crash reporter and caches write under HOME: keep them in the throwaway profile.
      env: { ...process.env, HOME: profile, XDG_CONFIG_HOME: join(profile, '.config'), XDG_CACHE_HOME: join(profile, '.cache') },
    });
    await context.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => console.error('${CSP_MARK}: ' + e.violatedDirective + ' ' + e.blockedURI));`);
    // tsx (esbuild, keepNames) wraps the tests' named inner functions in `__name(fn, "name")`;
    // functions the tests hand to page.evaluate carry that call into the page.
    await context.addInitScript('globalThis.__name = globalThis.__name || ((fn) => fn);');
    page = await watch(context.pages()[0] ?? (await context.newPage()));
  });

  afterEach(() => {
    const seen = problems.splice(0);
    assert.deepEqual(seen, [], 'the pages reported errors or CSP violations');
  });

  after(async () => {
    try {
      await context?.close();
    } finally {
      await kiln?.stop();
      if (profile) {
        const left = chromiumProcesses(profile);
        rmSync(profile, { recursive: true, force: true });
        assert.deepEqual(left, [], 'no Chromium process is left after the browser closed');
      }
    }
  });

  const running = <T>(x: T | undefined, what: string): T => {
    assert.ok(x, `${what} is started by the before hook`);
    return x;
  };
  const fixture: ConsoleFixture = {
    get kiln() {
      return running(kiln, 'the Kiln');
    },
    get context() {
      return running(context, 'the browser');
    },
    get page() {
      return running(page, 'the page');
    },
    get profileDir() {
      return running(profile, 'the profile dir');
    },
    problems,
    url(path = '/') {
      return `${running(kiln, 'the Kiln').endpoint}/console${path}`;
    },
    async signIn(key) {
      const k = key ?? fixture.kiln.credentials;
      const p = fixture.page;
      await p.goto(fixture.url('/sign-in'));
      await p.getByLabel('AccessKey ID').fill(k.accessKeyId);
      await p.getByLabel('AccessKey secret').fill(k.accessKeySecret);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('button', { name: 'Sign out' }).waitFor();
    },
    async screenshot(name, size = LAPTOP) {
      const p = fixture.page;
      if (size !== LAPTOP) await p.setViewportSize(size);
      try {
        // A full-page shot of a scrolled window draws the sticky top bar mid-page.
        if (size === LAPTOP) await p.evaluate(() => window.scrollTo(0, 0));
        await p.screenshot({ path: join(OUTPUT_DIR, `${name}.png`), fullPage: size === LAPTOP });
      } finally {
        if (size !== LAPTOP) await p.setViewportSize(LAPTOP);
      }
    },
    async newPage() {
      return watch(await fixture.context.newPage());
    },
  };
  return fixture;
}
