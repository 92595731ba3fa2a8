import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBlobStore } from '../src/blobs/local-blob-store.js';
import { ensureBusyboxBase, type BaseLayer } from '../src/engine/base-images/busybox.js';
import { ensureDebianMinbase } from '../src/engine/base-images/debian.js';
import { LayerStore } from '../src/engine/layers/layer-store.js';
import { buildah, buildahStorages, chooseDriver, cleanupBuildah, killRunningBuildah, newBuildahStorage, run, writeOciLayout } from './buildah.js';
import { BUSYBOX_IMAGE, startInProcessKiln } from './builds.js';
import { log, removeTree, unmountAll } from './host-cleanup.js';
import { formatVsBuildah } from './vs-buildah-report.js';

/*
 * The same builds with Kiln and with buildah, on the same base rootfs, side by side:
 * `npm run bench -- builds-vs-buildah`.
 *
 * Kiln: an in-process Kiln (one worker) on a fresh data dir per case, Start → SUCCESS through
 * the official SDK (`startInProcessKiln`, as the build-latency part). The base image's layer is
 * made in that data dir before Kiln starts (untimed), then one empty-template build warms the
 * process (untimed here; it is the "empty" figure). Then three timed builds: the template
 * (cold), the same template again (unchanged rebuild), and a second template whose middle step
 * is edited (change at the middle step).
 *
 * buildah (Debian's): a throwaway storage per case (CONTAINERS_STORAGE_CONF → a storage.conf
 * with graphroot, runroot and driver in a temp dir; TMPDIR there too). Kiln's base layer blob
 * (the very bytes Kiln builds on) is laid out as an OCI image (one layer, the config Kiln's base
 * has: PATH and WorkingDir /root) and imported with `buildah pull oci:<dir>`, tagged
 * `localhost/kiln-<case>-base`; nothing is ever pulled from a registry. Then the same three
 * builds, each timed as the whole command:
 *   buildah bud --layers --isolation chroot --pull=never -f <Containerfile> -t localhost/bench-<case> <ctx>
 * (`--pull=never`: the base is local; buildah's default would ask a registry for a newer one.)
 *
 * Everything (buildah containers and mounts, storages, Kiln data dirs) is removed at the end,
 * on failure too, and on exit (Ctrl-C).
 */

export interface VsCase {
  id: string;
  title: string;
  baseImage: string;
  /** Build content, one instruction per line (no FROM: Kiln takes the base from the template). */
  steps: string[];
  /** 1-based index of the step the "changed" build edits, and its edited text. */
  changedStep: number;
  changedText: string;
  internetMaxBandwidthOut?: number;
  makeBase(layers: LayerStore): Promise<BaseLayer>;
}

export const VS_CASES: VsCase[] = [
  {
    id: 'busybox',
    title: '(a) busybox, 20 × RUN echo N > /fileN',
    baseImage: BUSYBOX_IMAGE,
    steps: Array.from({ length: 20 }, (_, i) => `RUN echo ${i + 1} > /file${i + 1}`),
    changedStep: 10,
    changedText: 'RUN echo 10-changed > /file10',
    makeBase: (layers) => ensureBusyboxBase(layers),
  },
  {
    id: 'debian',
    title: '(b) Debian minbase, apt-get install hello tree + 3 steps',
    baseImage: 'debian_minbase_x64_20G_kiln_base.vhd',
    steps: [
      'ENV DEBIAN_FRONTEND=noninteractive',
      'RUN apt-get update && apt-get install -y --no-install-recommends hello tree && rm -rf /var/lib/apt/lists/*',
      "RUN hello -g 'Built by the bench' > /etc/motd",
      'RUN tree -a /etc/apt > /root/apt-tree.txt',
      'RUN hello --version | head -n 1 > /root/hello-version',
    ],
    changedStep: 3,
    changedText: "RUN hello -g 'Built again by the bench' > /etc/motd",
    // apt-get needs the network; 0 gives a Kiln build none
    internetMaxBandwidthOut: 10,
    makeBase: (layers) => ensureDebianMinbase(layers),
  },
];

export interface SideTimes {
  /** The base alone (Kiln: empty template; buildah: a Containerfile with only FROM), ms. */
  emptyMs: number;
  coldMs: number;
  unchangedMs: number;
  changedMs: number;
}

export interface VsResult {
  case: string;
  title: string;
  steps: number;
  changedStep: number;
  kiln: SideTimes;
  buildah: SideTimes;
  /** Importing the base into buildah's storage (untimed in the comparison), ms. */
  buildahImportMs: number;
}

export interface VsReport {
  buildahVersion: string;
  driver: string;
  driverReason: string;
  results: VsResult[];
}

// ------------------------------------------------------------------ cleanup (synchronous: also runs on exit)

const kilnDirs = new Set<string>();
let removeVarLibContainers: string[] = [];

function cleanupKiln(dir: string): void {
  if (!kilnDirs.has(dir)) return;
  unmountAll(dir);
  removeTree(dir);
  kilnDirs.delete(dir);
}

function cleanupAll(): void {
  killRunningBuildah();
  for (const t of buildahStorages()) cleanupBuildah(t);
  for (const d of [...kilnDirs]) cleanupKiln(d);
  for (const p of removeVarLibContainers) removeTree(p);
  removeVarLibContainers = [];
}

let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', cleanupAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // bench/processes.ts installs its own (which exits); otherwise exit so the hook above runs
    if (process.listenerCount(sig) === 0) process.once(sig, () => process.exit(130));
  }
}

// ------------------------------------------------------------------ the cases

function content(c: VsCase, changed: boolean): string[] {
  return c.steps.map((s, i) => (changed && i + 1 === c.changedStep ? c.changedText : s));
}

async function runCase(c: VsCase, driver: string): Promise<VsResult> {
  // ---- Kiln: fresh data dir, base made first (untimed), one warm-up empty build, then the three builds
  const dataDir = mkdtempSync(join(tmpdir(), `kiln-bench-vs-${c.id}-`));
  kilnDirs.add(dataDir);
  let base: BaseLayer;
  let kiln: SideTimes;
  try {
    const blobs = new LocalBlobStore(join(dataDir, 'blobs'));
    const layers = new LayerStore(dataDir, blobs);
    log(`${c.id}: making Kiln's base layer…`);
    const t0 = performance.now();
    base = await c.makeBase(layers);
    log(`  ${c.id} base ${base.digest.slice(0, 19)}… (${(base.size / 1e6).toFixed(1)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const blobPath = await blobs.path(base.digest);
    if (!blobPath) throw new Error(`the ${c.id} base blob ${base.digest} is not in Kiln's blob store`);

    const k = await startInProcessKiln(dataDir);
    try {
      const net = c.internetMaxBandwidthOut !== undefined ? { internetMaxBandwidthOut: c.internetMaxBandwidthOut } : {};
      const empty = await k.createPipeline({ baseImage: c.baseImage, ...net });
      const main = await k.createPipeline({ baseImage: c.baseImage, buildContent: content(c, false).join('\n'), ...net });
      const changed = await k.createPipeline({ baseImage: c.baseImage, buildContent: content(c, true).join('\n'), ...net });
      const emptyMs = await k.timeBuild(empty);
      log(`  Kiln ${c.id}: empty template ${emptyMs.toFixed(0)} ms (warm-up)`);
      const coldMs = await k.timeBuild(main);
      log(`  Kiln ${c.id}: cold ${coldMs.toFixed(0)} ms`);
      const unchangedMs = await k.timeBuild(main);
      log(`  Kiln ${c.id}: unchanged rebuild ${unchangedMs.toFixed(0)} ms`);
      const changedMs = await k.timeBuild(changed);
      log(`  Kiln ${c.id}: step ${c.changedStep} changed ${changedMs.toFixed(0)} ms`);
      kiln = { emptyMs, coldMs, unchangedMs, changedMs };
    } finally {
      await k.stop();
    }

    // ---- buildah: fresh storage, Kiln's base imported, then the same builds
    const top = newBuildahStorage(`kiln-bench-buildah-${c.id}-`, driver);
    try {
      const oci = join(top, 'base-oci');
      writeOciLayout(oci, blobPath, base.diffId, c.id);
      const baseName = `localhost/kiln-${c.id}-base`;
      const imp = await buildah(top, ['pull', '--quiet', '--signature-policy', join(top, 'policy.json'), `oci:${oci}`]);
      const imageId = imp.stdout.trim().split('\n').pop()!;
      const tag = await buildah(top, ['tag', imageId, baseName]);
      const buildahImportMs = imp.ms + tag.ms;
      log(`  buildah ${c.id}: base imported as ${baseName} (${imageId.slice(0, 12)}) in ${buildahImportMs.toFixed(0)} ms`);
      const ctx = join(top, 'ctx');
      const files = {
        empty: join(top, 'Containerfile.empty'),
        main: join(top, 'Containerfile'),
        changed: join(top, 'Containerfile.changed'),
      };
      writeFileSync(files.empty, `FROM ${baseName}\n`);
      writeFileSync(files.main, [`FROM ${baseName}`, ...content(c, false), ''].join('\n'));
      writeFileSync(files.changed, [`FROM ${baseName}`, ...content(c, true), ''].join('\n'));
      const bud = async (file: string, what: string) => {
        const r = await buildah(top, ['bud', '--layers', '--isolation', 'chroot', '--pull=never', '-f', file, '-t', `localhost/bench-${c.id}`, ctx]);
        log(`  buildah ${c.id}: ${what} ${r.ms.toFixed(0)} ms`);
        return r.ms;
      };
      const buildahTimes: SideTimes = {
        emptyMs: await bud(files.empty, 'FROM only'),
        coldMs: await bud(files.main, 'cold'),
        unchangedMs: await bud(files.main, 'unchanged rebuild'),
        changedMs: await bud(files.changed, `step ${c.changedStep} changed`),
      };
      return { case: c.id, title: c.title, steps: c.steps.length, changedStep: c.changedStep, kiln, buildah: buildahTimes, buildahImportMs };
    } finally {
      cleanupBuildah(top);
    }
  } finally {
    cleanupKiln(dataDir);
  }
}

/** Runs every case (or those whose id is in `only`); installs buildah from Debian first when it is missing. */
export async function benchVsBuildah(only?: readonly string[]): Promise<VsReport> {
  installExitHook();
  const script = new URL('../scripts/ensure-bench-deps.mjs', import.meta.url).href;
  const { ensureBenchDeps } = (await import(script)) as { ensureBenchDeps(): void };
  ensureBenchDeps();
  // buildah's blob-info cache is machine-wide (/var/lib/containers/cache, not under --root): remove what we create
  if (!existsSync('/var/lib/containers')) removeVarLibContainers = ['/var/lib/containers'];
  else if (!existsSync('/var/lib/containers/cache')) removeVarLibContainers = ['/var/lib/containers/cache'];
  try {
    const version = (await run('buildah', ['--version'], process.env)).stdout.trim();
    const { driver, reason } = await chooseDriver();
    log(`${version}; storage driver ${driver}: ${reason}`);
    const results: VsResult[] = [];
    for (const c of VS_CASES) {
      if (only && only.length > 0 && !only.includes(c.id)) continue;
      results.push(await runCase(c, driver));
    }
    return { buildahVersion: version, driver, driverReason: reason, results };
  } finally {
    cleanupAll();
  }
}

if (process.argv[1]?.endsWith('vs-buildah.ts')) {
  const only = process.argv.slice(2).filter((a) => VS_CASES.some((c) => c.id === a));
  console.log(formatVsBuildah(await benchVsBuildah(only)));
}
