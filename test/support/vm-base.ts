import { randomBytes } from 'node:crypto';
import { link, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { digestHex } from '../../src/blobs/digest.js';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { isProcessRunning } from '../../src/blobs/stale-staging.js';
import { readDebianSources } from '../../src/engine/base-images/apt-sources.js';
import { debianVmKey, ensureDebianVm, type DebianVmLayer } from '../../src/engine/base-images/debian-vm.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { runCommand } from '../../src/engine/system/run-command.js';

/** The machine-wide cache of the Debian 12 VM base for tests: `<tmp>/kiln-test-vm-base/<key>/` is a Kiln data dir holding only the base. */
export const VM_BASE_CACHE = join(tmpdir(), 'kiln-test-vm-base');
/** How long a process waits for another one's build of the base (mmdebstrap: ~45 s here; generous, not a timing assertion). */
const WAIT_FOR_OTHER_MS = 20 * 60_000;

let cached: Promise<{ dataDir: string; base: DebianVmLayer }> | undefined;

/**
 * Puts the Debian 12 VM base (`debian_12_x64_20G_kiln_vm.vhd`, see `ensureDebianVm`) into the
 * Kiln data dir `dataDir`, so that `ensureDebianVm` there (and so a build on that image) finds
 * it at once instead of running mmdebstrap (~45 s): call it on a test Kiln's data dir
 * (`kiln.config.dataDir`) before its first build on the VM base, or on any data dir a
 * `LayerStore` of the test uses.
 *
 * The base is built ONCE per machine (and per key: sources, recipe) into `VM_BASE_CACHE/<key>`:
 * in a temporary folder renamed into place, under a lock folder (`<key>.lock`, with the
 * builder's pid), so two test processes at once build it once; a dead builder's lock and
 * temporary folder are taken over, and the bases of other keys are removed once it is built. Then its blob and layer files are HARD-LINKED into `dataDir`
 * (a copy when linking fails) and its record written last, as the engine does: seeding costs
 * about a second. The layer's files are shared with the cache and every seeded data dir: never
 * modify them in place (overlay lower dirs are read only; builds, exports and GC only read or
 * unlink them). Idempotent; safe with a Kiln running on `dataDir`.
 */
export async function seedDebianVm(dataDir: string): Promise<void> {
  cached ??= sharedBase().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  const { dataDir: from, base } = await cached;
  const layers = new LayerStore(dataDir, new LocalBlobStore(join(dataDir, 'blobs')));
  const hex = digestHex(base.digest);
  await mkdir(join(dataDir, 'blobs', 'sha256'), { recursive: true });
  await linkOrCopy(join(from, 'blobs', 'sha256', hex), join(dataDir, 'blobs', 'sha256', hex));
  if (!(await layers.has(base.diffId))) {
    const { dir, top } = await layers.staging('seed-debian-vm-');
    try {
      const linked = await runCommand('cp', ['-a', '--link', '--', `${join(from, 'layers', digestHex(base.diffId), 'diff')}/.`, dir], { allowFailure: true });
      if (linked.code !== 0) await runCommand('cp', ['-a', '--reflink=auto', '--', `${join(from, 'layers', digestHex(base.diffId), 'diff')}/.`, dir]);
      await layers.adopt(dir, base.diffId);
    } finally {
      await rm(top, { recursive: true, force: true });
    }
  }
  await mkdir(layers.baseImagesDir, { recursive: true });
  const record = join(layers.baseImagesDir, `${base.key}.json`);
  const temp = `${record}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, JSON.stringify({ ...base, dir: layers.dirOf(base.diffId) }, null, 2));
  await rename(temp, record);
}

/** The machine's cached base, built here when no process has built it yet. */
async function sharedBase(): Promise<{ dataDir: string; base: DebianVmLayer }> {
  const key = debianVmKey(await readDebianSources());
  const final = join(VM_BASE_CACHE, key);
  const lock = join(VM_BASE_CACHE, `${key}.lock`);
  await mkdir(VM_BASE_CACHE, { recursive: true });
  const deadline = Date.now() + WAIT_FOR_OTHER_MS;
  for (;;) {
    const done = await finished(final, key);
    if (done) return { dataDir: final, base: done };
    if (await takeLock(lock)) {
      try {
        return { dataDir: final, base: await buildInto(final, key) };
      } finally {
        await rm(lock, { recursive: true, force: true });
      }
    }
    if (Date.now() > deadline) throw new Error(`the Debian VM base for tests: another process has held ${lock} for more than ${WAIT_FOR_OTHER_MS / 60_000} minutes`);
    await delay(500); // another process is building it: poll for its result (or its death)
  }
}

async function buildInto(final: string, key: string): Promise<DebianVmLayer> {
  const again = await finished(final, key);
  if (again) return again;
  for (const name of await readdir(VM_BASE_CACHE)) {
    const pid = /\.tmp-(\d+)-[0-9a-f]+$/.exec(name)?.[1];
    if (pid !== undefined && !isProcessRunning(Number(pid))) await rm(join(VM_BASE_CACHE, name), { recursive: true, force: true });
  }
  const temp = `${final}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await ensureDebianVm(new LayerStore(temp, new LocalBlobStore(join(temp, 'blobs'))));
    await rename(temp, final).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err; // a process that took over a lock we held as well finished first
    });
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  const made = await finished(final, key);
  if (!made) throw new Error(`the Debian VM base for tests was built but ${final} holds no record`);
  // Bases of older recipes or sources (~800 MB each) go; data dirs seeded from them keep their links.
  for (const name of await readdir(VM_BASE_CACHE)) {
    if (/^debian-vm-[A-Za-z0-9._-]+-r\d+$/.test(name) && name !== key) await rm(join(VM_BASE_CACHE, name), { recursive: true, force: true });
  }
  return made;
}

async function finished(dataDir: string, key: string): Promise<DebianVmLayer | undefined> {
  try {
    return JSON.parse(await readFile(join(dataDir, 'base-images', `${key}.json`), 'utf8')) as DebianVmLayer;
  } catch {
    return undefined;
  }
}

/** Creates the lock folder with our pid inside; takes over one whose owner died (or that never got an owner within a minute). */
async function takeLock(lock: string): Promise<boolean> {
  try {
    await mkdir(lock);
    await writeFile(join(lock, 'pid'), String(process.pid));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const owner = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => ''));
  const age = Date.now() - ((await stat(lock).catch(() => undefined))?.mtimeMs ?? Date.now());
  const dead = owner > 0 ? !isProcessRunning(owner) : age > 60_000;
  if (dead) await rm(lock, { recursive: true, force: true });
  return false;
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'EXDEV' && code !== 'EPERM') throw err;
    const temp = `${to}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    await runCommand('cp', ['--reflink=auto', '--', from, temp]);
    await rename(temp, to);
  }
}
