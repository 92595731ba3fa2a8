import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBlobStore } from '../src/blobs/local-blob-store.js';
import { ensureDebianMinbase } from '../src/engine/base-images/debian.js';
import { LayerStore } from '../src/engine/layers/layer-store.js';
import { REGION, runBuild, startInProcessKiln } from './builds.js';
import { formatExport } from './export-report.js';
import { startRegistry, timeCommand, timeKiln, type Phases } from './export-tools.js';
import { log, removeTree, unmountAll } from './host-cleanup.js';

/*
 * `npm run bench -- export`: Kiln's image export and push against the tools that do the same
 * work, side by side in one run on one machine.
 *
 * The image: the Debian minbase base (made once, untimed) plus ONE build step that adds about
 * 1.1 GiB (see IMAGE_CONTENT), built by an in-process Kiln through the official SDK (untimed).
 * Then, from Kiln's own CLI (`node --import tsx src/main/cli.ts`, as users run it, on the same
 * data dir; the in-process Kiln is stopped first):
 *
 *   raw    kiln images export <id> --format raw   vs  qemu-img convert -O raw   <that raw> <copy>
 *   qcow2  kiln images export <id> --format qcow2 vs  qemu-img convert -O qcow2 <that raw> <out>
 *   push   kiln images push <id> 127.0.0.1:P/bench/kiln:rN --insecure
 *                                                 vs  skopeo copy oci-archive:<Kiln's OCI export> docker://127.0.0.1:P/bench/skopeo:rN
 *
 * "That raw" is the raw disk Kiln exported (untimed warm-up export), so qemu-img converts the
 * very file Kiln writes; skopeo copies Kiln's own OCI archive of the image (the same blobs Kiln
 * pushes). Each push goes to a fresh Debian `docker-registry` on loopback (new storage, new
 * port: nothing to skip or mount), and Kiln's remembered blob locations are cleared before each.
 * Each pair runs BENCH_EXPORT_RUNS times (default 3), alternating which side goes first; every
 * figure is the whole command's wall clock, Kiln's including its CLI start (measured alone as
 * `kiln --help`). Figures are printed, never asserted. Everything is removed at the end.
 */

/**
 * The build step. About 1.1 GiB in four kinds of files: 480 MiB incompressible (48 × 10 MiB from
 * /dev/urandom), 64 MiB as 16 384 small incompressible files of 4 KiB (`split`), 256 MiB of
 * base64 text of random bytes (compresses to about 3/4) and ~290 MiB of `seq 1 30000000`
 * (numbers, one a line: compresses about 4×). No network is needed.
 */
export const IMAGE_CONTENT = [
  'RUN set -e; d=/srv/kiln-bench; mkdir -p $d/random $d/small $d/text $d/logs;'
  + ' for i in $(seq 1 48); do head -c 10M /dev/urandom > $d/random/blob-$i.bin; done;'
  + ' head -c 64M /dev/urandom | split -b 4096 -a 5 - $d/small/f-;'
  + ' head -c 192M /dev/urandom | base64 > $d/text/random.b64;'
  + ' seq 1 30000000 > $d/logs/seq.txt;'
  + ' du -sh $d',
].join('\n');
const DEBIAN = 'debian_minbase_x64_20G_kiln_base.vhd';

export interface ExportPair {
  work: string;
  kiln: string;
  tool: string;
  kilnMs: number[];
  toolMs: number[];
  /** Kiln's progress phases in its last run: when each first appeared, ms from the start. */
  kilnPhases?: Phases;
  /** Bytes on disk of what each side wrote (last run; pushes: none). */
  kilnBytes?: number;
  toolBytes?: number;
}

export interface ExportReport {
  imageId: string;
  buildMs: number;
  /** Kiln's OCI archive of the image (what skopeo copies), bytes. */
  ociArchiveBytes: number;
  /** The raw disk: its virtual size and the bytes it takes on disk. */
  rawBytes: number;
  rawAllocated: number;
  ociExportMs: number;
  cliStartMs: number[];
  versions: string[];
  pairs: ExportPair[];
}

const version = async (cmd: string, args: string[]) => (await timeCommand(cmd, args)).stdout.split('\n')[0]!.trim();

/** One pair, `runs` times, alternating which side starts. */
async function pair(p: Omit<ExportPair, 'kilnMs' | 'toolMs'>, runs: number, kilnRun: (i: number) => Promise<number>, toolRun: (i: number) => Promise<number>): Promise<ExportPair> {
  const out: ExportPair = { ...p, kilnMs: [], toolMs: [] };
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? (['tool', 'kiln'] as const) : (['kiln', 'tool'] as const);
    for (const side of order) {
      const ms = side === 'kiln' ? await kilnRun(i) : await toolRun(i);
      (side === 'kiln' ? out.kilnMs : out.toolMs).push(ms);
      log(`  ${p.work} run ${i + 1}: ${side === 'kiln' ? p.kiln : p.tool} ${(ms / 1000).toFixed(2)} s`);
    }
  }
  return out;
}

/**
 * The floor of a disk export made the way Kiln makes it: `mkfs.ext4 -d` of the same root
 * filesystem (Kiln's rootfs export, extracted untimed) into a file of the same size, then
 * `sync` of the file. Kiln's side of this row is the raw export runs above (not run again).
 */
async function mkfsFloor(dataDir: string, imageId: string, work: string, raw: ExportPair, runs: number): Promise<ExportPair> {
  const rootfs = join(work, 'rootfs.tar');
  const tree = join(work, 'tree');
  const fs = join(work, 'mkfs.img');
  await timeKiln(dataDir, ['images', 'export', imageId, '--region', REGION, '--format', 'rootfs', '-o', rootfs]);
  mkdirSync(tree);
  await timeCommand('tar', ['-xpf', rootfs, '-C', tree, '--numeric-owner', '--xattrs']);
  rmSync(rootfs, { force: true });
  const blocks = String(Math.floor(size(join(work, 'image.raw')) / 4096) - 512);
  const toolMs: number[] = [];
  let written = 0;
  for (let i = 0; i < runs; i++) {
    const t = await timeCommand('sh', ['-c', 'mkfs.ext4 -q -F -b 4096 -E nodiscard,lazy_itable_init=1,lazy_journal_init=1,root_owner=0:0 -d "$1" "$2" "$3" && sync "$2"', 'sh', tree, fs, blocks]);
    written = allocated(fs);
    rmSync(fs, { force: true });
    toolMs.push(t.ms);
    log(`  mkfs.ext4 -d floor run ${i + 1}: ${(t.ms / 1000).toFixed(2)} s`);
  }
  removeTree(tree);
  return {
    work: 'export to raw, floor', kiln: 'the raw runs above', tool: 'mkfs.ext4 -d <same tree> + sync',
    kilnMs: raw.kilnMs, toolMs, kilnBytes: raw.kilnBytes, toolBytes: written,
  };
}

const size = (file: string) => statSync(file).size;
/** Bytes a file takes on disk (a disk image is sparse). */
const allocated = (file: string) => statSync(file).blocks * 512;

export async function benchExport(runs = Number(process.env.BENCH_EXPORT_RUNS ?? 3)): Promise<ExportReport> {
  const script = new URL('../scripts/ensure-bench-deps.mjs', import.meta.url).href;
  const { ensureExportBenchDeps } = (await import(script)) as { ensureExportBenchDeps(): void };
  ensureExportBenchDeps();
  const dataDir = mkdtempSync(join(tmpdir(), 'kiln-bench-export-'));
  const work = mkdtempSync(join(tmpdir(), 'kiln-bench-export-files-'));
  const cleanup = () => {
    unmountAll(dataDir);
    removeTree(dataDir);
    removeTree(work);
  };
  process.once('exit', cleanup);
  try {
    const blobs = new LocalBlobStore(join(dataDir, 'blobs'));
    log('export: making the Debian minbase base layer (untimed)…');
    await ensureDebianMinbase(new LayerStore(dataDir, blobs));
    const kiln = await startInProcessKiln(dataDir);
    let imageId: string;
    const t0 = performance.now();
    try {
      const pipelineId = await kiln.createPipeline({ baseImage: DEBIAN, buildContent: IMAGE_CONTENT });
      log('export: building the ~1.1 GiB Debian image (untimed)…');
      imageId = await runBuild(kiln.client, pipelineId, 500);
    } finally {
      await kiln.stop();
    }
    const buildMs = performance.now() - t0;
    log(`export: image ${imageId} built in ${(buildMs / 1000).toFixed(0)} s`);

    const versions = [await version('qemu-img', ['--version']), await version('skopeo', ['--version']), await version('docker-registry', ['--version'])];
    const cliStartMs: number[] = [];
    for (let i = 0; i < runs; i++) cliStartMs.push((await timeKiln(dataDir, ['--help'])).ms);

    const baseRaw = join(work, 'image.raw');
    const oci = join(work, 'image.oci.tar');
    log('export: warm-up raw export (untimed; qemu-img converts this file)…');
    await timeKiln(dataDir, ['images', 'export', imageId, '--region', REGION, '--format', 'raw', '-o', baseRaw]);
    const ociExportMs = (await timeKiln(dataDir, ['images', 'export', imageId, '--region', REGION, '--format', 'oci', '-o', oci])).ms;

    const pairs: ExportPair[] = [];
    for (const format of ['raw', 'qcow2'] as const) {
      const kilnOut = join(work, `kiln-out.${format}`);
      const toolOut = join(work, `tool-out.${format}`);
      const written = { kiln: 0, tool: 0 };
      let phases: Phases = [];
      const p = await pair(
        { work: `export to ${format}`, kiln: `kiln images export --format ${format}`, tool: `qemu-img convert -O ${format}` },
        runs,
        async () => {
          phases = [];
          const t = await timeKiln(dataDir, ['images', 'export', imageId, '--region', REGION, '--format', format, '-o', kilnOut], phases);
          phases.push({ phase: 'exit', atMs: t.ms });
          written.kiln = allocated(kilnOut);
          rmSync(kilnOut, { force: true });
          return t.ms;
        },
        async () => {
          const t = await timeCommand('qemu-img', ['convert', '-f', 'raw', '-O', format, baseRaw, toolOut]);
          written.tool = allocated(toolOut);
          rmSync(toolOut, { force: true });
          return t.ms;
        },
      );
      pairs.push({ ...p, kilnPhases: phases, kilnBytes: written.kiln, toolBytes: written.tool });
    }
    pairs.push(await mkfsFloor(dataDir, imageId, work, pairs[0]!, runs));
    const locations = join(dataDir, 'distribution', 'blob-locations.json');
    const withRegistry = async (name: string, fn: (host: string) => Promise<number>) => {
      const dir = join(work, `registry-${name}`);
      const registry = await startRegistry(dir);
      try {
        return await fn(registry.host);
      } finally {
        await registry.stop();
        removeTree(dir);
      }
    };
    pairs.push(await pair(
      { work: 'push to a local registry', kiln: 'kiln images push --insecure', tool: 'skopeo copy oci-archive: docker://' },
      runs,
      (i) => withRegistry(`kiln-${i}`, async (host) => {
        rmSync(locations, { force: true });
        return (await timeKiln(dataDir, ['images', 'push', imageId, `${host}/bench/kiln:r${i + 1}`, '--region', REGION, '--insecure'])).ms;
      }),
      (i) => withRegistry(`skopeo-${i}`, async (host) => (await timeCommand('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci-archive:${oci}`, `docker://${host}/bench/skopeo:r${i + 1}`], { ...process.env, TMPDIR: work })).ms),
    ));
    return { imageId, buildMs, ociArchiveBytes: size(oci), rawBytes: size(baseRaw), rawAllocated: allocated(baseRaw), ociExportMs, cliStartMs, versions, pairs };
  } finally {
    cleanup();
    process.removeListener('exit', cleanup);
  }
}


if (process.argv[1]?.endsWith('export.ts')) {
  console.log(formatExport(await benchExport()));
}
