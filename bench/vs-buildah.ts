import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBlobStore } from '../src/blobs/local-blob-store.js';
import { ensureBusyboxBase, type BaseLayer } from '../src/engine/base-images/busybox.js';
import { ensureDebianMinbase } from '../src/engine/base-images/debian.js';
import { DEFAULT_PATH } from '../src/engine/image-config.js';
import { LayerStore } from '../src/engine/layers/layer-store.js';
import { BUSYBOX_IMAGE, startInProcessKiln } from './builds.js';

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

const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

// ------------------------------------------------------------------ cleanup (synchronous: also runs on exit)

const buildahTops = new Set<string>();
const kilnDirs = new Set<string>();
let removeVarLibContainers: string[] = [];

/** Every mount point at or under `dir` (this mount namespace), deepest first. */
function mountsUnder(dir: string): string[] {
  let info: string;
  try {
    info = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const unescapeOctal = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const out: string[] = [];
  for (const line of info.split('\n')) {
    const mp = line.split(' ')[4];
    if (!mp) continue;
    const p = unescapeOctal(mp);
    if (p === dir || p.startsWith(`${dir}/`)) out.push(p);
  }
  return [...new Set(out)].sort((a, b) => b.length - a.length);
}

function unmountAll(dir: string): void {
  for (let pass = 0; pass < 3; pass++) {
    const mounts = mountsUnder(dir);
    if (mounts.length === 0) return;
    for (const m of mounts) {
      if (spawnSync('umount', [m], { stdio: 'ignore' }).status !== 0) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
    }
  }
}

/** The buildah commands running now (each the leader of its own process group), by pid. */
const runningBuildah = new Set<number>();

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** SIGKILLs the process group of every buildah command still running and waits (≤ 10 s) until they are gone. */
function killRunningBuildah(): void {
  for (const pid of runningBuildah) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 10_000;
  for (const pid of [...runningBuildah]) {
    while (groupAlive(pid) && Date.now() < deadline) sleepSync(50);
    runningBuildah.delete(pid);
  }
}

/** True while a process of group `pgid` is not yet dead (zombies count as dead: we may be the one not reaping them). */
function groupAlive(pgid: number): boolean {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return false;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}

function removeTree(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  } catch (err) {
    log(`could not remove ${dir}: ${(err as Error).message}`);
  }
}

function cleanupBuildah(top: string): void {
  if (!buildahTops.has(top)) return;
  killRunningBuildah();
  spawnSync('buildah', ['rm', '--all'], { env: buildahEnv(top), stdio: 'ignore', timeout: 60_000 });
  unmountAll(top);
  removeTree(top);
  buildahTops.delete(top);
}

function cleanupKiln(dir: string): void {
  if (!kilnDirs.has(dir)) return;
  unmountAll(dir);
  removeTree(dir);
  kilnDirs.delete(dir);
}

function cleanupAll(): void {
  killRunningBuildah();
  for (const t of [...buildahTops]) cleanupBuildah(t);
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

// ------------------------------------------------------------------ buildah

function buildahEnv(top: string): NodeJS.ProcessEnv {
  return { ...process.env, CONTAINERS_STORAGE_CONF: join(top, 'storage.conf'), TMPDIR: join(top, 'tmp'), BUILDAH_LAYERS: 'true' };
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command in its own process group (so cleanup can kill it and whatever it started), output captured. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const pid = child.pid;
    if (pid !== undefined) runningBuildah.add(pid);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => {
      if (pid !== undefined) runningBuildah.delete(pid);
      reject(err);
    });
    child.on('close', (code) => {
      if (pid !== undefined) runningBuildah.delete(pid);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

async function buildah(top: string, args: string[]): Promise<RunResult> {
  const r = await run('buildah', args, buildahEnv(top));
  if (r.code !== 0) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`buildah ${args.join(' ')} exited ${r.code}:\n${tail}`);
  }
  return r;
}

/** A throwaway buildah storage with `driver`. */
function newBuildahStorage(prefix: string, driver: string): string {
  // lowercase only: buildah names an image pulled from `oci:<dir>` after the dir's path
  const top = join(tmpdir(), `${prefix}${randomBytes(6).toString('hex')}`);
  mkdirSync(top, { mode: 0o700 });
  buildahTops.add(top);
  for (const d of ['root', 'runroot', 'tmp', 'ctx']) mkdirSync(join(top, d), { recursive: true });
  writeFileSync(join(top, 'storage.conf'), `[storage]\ndriver = "${driver}"\ngraphroot = "${join(top, 'root')}"\nrunroot = "${join(top, 'runroot')}"\n`);
  writeFileSync(join(top, 'policy.json'), `${JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] })}\n`);
  return top;
}

/**
 * The storage driver: the kernel's overlay when buildah can use it here (it mounts a test overlay
 * on the storage's filesystem when it starts), else vfs; BENCH_BUILDAH_DRIVER forces one.
 */
async function chooseDriver(): Promise<{ driver: string; reason: string }> {
  const forced = process.env.BENCH_BUILDAH_DRIVER;
  if (forced) return { driver: forced, reason: `forced by BENCH_BUILDAH_DRIVER=${forced}` };
  const top = newBuildahStorage('kiln-bench-buildah-probe-', 'overlay');
  try {
    const r = await run('buildah', ['info'], buildahEnv(top));
    if (r.code !== 0) return { driver: 'vfs', reason: `overlay refused by buildah here: ${(r.stderr.trim() || r.stdout.trim()).split('\n').slice(-1)[0]}` };
    const info = JSON.parse(r.stdout) as { store?: { GraphDriverName?: string; GraphRoot?: string; GraphStatus?: Record<string, string> } };
    const s = info.store;
    if (s?.GraphDriverName !== 'overlay') return { driver: 'vfs', reason: `buildah answered driver ${s?.GraphDriverName ?? '?'} for overlay` };
    if (s.GraphRoot !== join(top, 'root')) throw new Error(`buildah ignored CONTAINERS_STORAGE_CONF (graph root ${s.GraphRoot})`);
    const st = s.GraphStatus ?? {};
    return {
      driver: 'overlay',
      reason: `kernel overlayfs works here (backing filesystem ${st['Backing Filesystem'] ?? '?'}, native overlay diff ${st['Native Overlay Diff'] ?? '?'}, d_type ${st['Supports d_type'] ?? '?'}; no fuse-overlayfs), the same mechanism Kiln's instances use`,
    };
  } finally {
    cleanupBuildah(top);
  }
}

/** Kiln's base layer as a one-layer OCI image layout at `dir` (the blob hard-linked when it can be). */
function writeOciLayout(dir: string, blobPath: string, diffId: string, caseId: string): void {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (bytes: string) => {
    const hex = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(join(blobs, hex), bytes);
    return { digest: `sha256:${hex}`, size: Buffer.byteLength(bytes) };
  };
  const layerHex = diffId.replace(/^sha256:/, '');
  try {
    linkSync(blobPath, join(blobs, layerHex));
  } catch {
    copyFileSync(blobPath, join(blobs, layerHex));
  }
  const created = '2000-01-01T00:00:00Z';
  // buildah needs a history entry per non-empty layer of the base, or it cannot commit a step on it
  const config = put(JSON.stringify({
    created, architecture: 'amd64', os: 'linux',
    config: { Env: [`PATH=${DEFAULT_PATH}`], WorkingDir: '/root', User: 'root' },
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created, created_by: `Kiln system base image (${caseId})` }],
  }));
  const manifest = put(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: diffId, size: statSync(blobPath).size }],
  }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest }] }));
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
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

// ------------------------------------------------------------------ output

const TARGET_COLD = 0.5;
const TARGET_UNCHANGED = 0.1;
const TARGET_STEP_MS = 60;

const met = (ok: boolean) => (ok ? 'met' : '**NOT MET**');

/** One table per case, then the targets; `perStepMs` is Kiln's per-step overhead from the build-latency part. */
export function formatVsBuildah(report: VsReport, perStepMs?: number): string {
  const out: string[] = [];
  out.push(`Kiln vs buildah — same content, same base rootfs (Kiln's own base layer imported into buildah's storage).`);
  out.push(`Kiln: Start → SUCCESS via the SDK, one in-process worker. buildah: ${report.buildahVersion}, \`buildah bud --layers --isolation chroot --pull=never\`, storage driver ${report.driver} (${report.driverReason}).`);
  for (const r of report.results) {
    out.push('');
    out.push(`${r.title} — ${r.steps} steps; changed build edits step ${r.changedStep}`);
    const header = ['build', 'Kiln ms', 'buildah ms', 'Kiln / buildah'];
    const rowsOf: Array<[string, keyof SideTimes]> = [
      ['base only (Kiln: empty template; buildah: FROM only)', 'emptyMs'],
      ['cold', 'coldMs'],
      ['unchanged rebuild', 'unchangedMs'],
      [`change at step ${r.changedStep}`, 'changedMs'],
    ];
    const body = rowsOf.map(([name, k]) => [name, r.kiln[k].toFixed(0), r.buildah[k].toFixed(0), `${(r.kiln[k] / r.buildah[k]).toFixed(2)}×`]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
    out.push(line(header));
    out.push(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
    for (const b of body) out.push(line(b));
    const cold = r.kiln.coldMs / r.buildah.coldMs;
    const unchanged = r.kiln.unchangedMs / r.kiln.coldMs;
    const kStep = (r.kiln.coldMs - r.kiln.emptyMs) / r.steps;
    const bStep = (r.buildah.coldMs - r.buildah.emptyMs) / r.steps;
    out.push(`  Kiln cold / buildah cold = ${cold.toFixed(2)}× (target ≤ ${TARGET_COLD}×): ${met(cold <= TARGET_COLD)}`);
    out.push(`  Kiln unchanged / Kiln cold = ${unchanged.toFixed(2)}× (target ≤ ${TARGET_UNCHANGED}×): ${met(unchanged <= TARGET_UNCHANGED)}`);
    out.push(`  buildah unchanged / buildah cold = ${(r.buildah.unchangedMs / r.buildah.coldMs).toFixed(2)}×; cold per step, (cold − base only) / ${r.steps}: Kiln ${kStep.toFixed(0)} ms, buildah ${bStep.toFixed(0)} ms`);
    out.push(`  (buildah's base import, not timed above: ${r.buildahImportMs.toFixed(0)} ms)`);
  }
  out.push('');
  if (perStepMs === undefined) out.push(`Kiln per-step overhead (target ≤ ${TARGET_STEP_MS} ms): not measured (build-latency part skipped)`);
  else out.push(`Kiln per-step overhead, from the build-latency part (21 × RUN true − 1 × RUN true) / 20 = ${perStepMs.toFixed(0)} ms (target ≤ ${TARGET_STEP_MS} ms): ${met(perStepMs <= TARGET_STEP_MS)}`);
  return out.join('\n');
}

if (process.argv[1]?.endsWith('vs-buildah.ts')) {
  const only = process.argv.slice(2).filter((a) => VS_CASES.some((c) => c.id === a));
  console.log(formatVsBuildah(await benchVsBuildah(only)));
}
