import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as $Ecs from '@alicloud/ecs20140526';
import { LocalBlobStore } from '../src/blobs/local-blob-store.js';
import { formatDeb822Sources, readDebianSources } from '../src/engine/base-images/apt-sources.js';
import { debianVmSources, ensureDebianVm } from '../src/engine/base-images/debian-vm.js';
import { LayerStore } from '../src/engine/layers/layer-store.js';
import { checkBoot } from '../src/engine/vm/check-boot.js';
import type { BootOutcome, VmBootMode } from '../src/engine/vm/types.js';
import { REGION, runBuild, startInProcessKiln } from './builds.js';
import { timeCommand, timeKiln, type Phases } from './export-tools.js';
import { log, removeTree, unmountAll } from './host-cleanup.js';
import { formatVm } from './vm-report.js';

/*
 * `npm run bench -- vm`: a Debian 12 VM image (the VM base debian_12_x64_20G_kiln_vm.vhd + the
 * three RUN steps of VM_STEPS) built and exported as a bootable raw disk, by Kiln and by a peer
 * that makes the same image from Debian packages without Kiln, side by side in one run:
 *
 *   base     ensureDebianVm in a fresh data dir (Kiln's own mmdebstrap of the base), timed once;
 *   Kiln cold        a fresh data dir holding only that base (hard links: `cp -al`), an
 *                    in-process Kiln (one worker) builds the template (Start → SUCCESS, over the
 *                    official SDK), then `kiln images export <id> --format raw` (the CLI, as users
 *                    run it, CLI start included); the figure is build + export. "With the base"
 *                    adds the base's time above (a first use on a new machine);
 *   Kiln unchanged   the same template started again in that data dir (every step a cache hit)
 *                    + the raw export of the new image;
 *   peer     bench/vm-peer.sh: mmdebstrap of the same packages and finish, the same three
 *            commands in its chroot, GPT + FAT ESP (systemd-boot, syslinux) + `mkfs.ext4 -d`,
 *            raw. It has no cache: an unchanged rebuild is the same run again, so its cold run
 *            is the denominator of both ratios.
 *   boot     Kiln's raw export booted once per firmware (SeaBIOS, OVMF) under TCG to the
 *            KILN-BOOT-REPORT line (checkBoot): reported, not asserted.
 *
 * BENCH_VM_RUNS (default 2) repetitions of Kiln cold/unchanged and of the peer, alternating which
 * side goes first. Figures are printed, never asserted. Everything is removed at the end.
 */

/** The three build steps, run by Kiln as RUN and by the peer in its chroot (`sh -c`). The first needs the mirror. */
export const VM_STEPS: readonly string[] = [
  'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/*',
  'useradd --create-home --shell /bin/bash app && mkdir -p /srv/app && echo hello from the VM image > /srv/app/index.txt && chown -R app:app /srv/app',
  'printf "[Unit]\\nDescription=demo\\n[Service]\\nExecStart=/bin/cat /srv/app/index.txt\\n[Install]\\nWantedBy=multi-user.target\\n" > /etc/systemd/system/demo.service && systemctl enable demo.service',
];
const VM_BASE = 'debian_12_x64_20G_kiln_vm.vhd';
const DISK_GIB = 20;
const PEER_SCRIPT = new URL('./vm-peer.sh', import.meta.url).pathname;
const BOOT_TIMEOUT_MS = 10 * 60_000;

export interface VmRun {
  /** Start → SUCCESS of the build, and the CLI's raw export, ms. */
  coldBuildMs: number;
  coldExportMs: number;
  rebuildMs: number;
  reExportMs: number;
  peerMs: number;
  /** Kiln's export phases (its progress lines) in the cold export. */
  exportPhases: Phases;
}

export interface VmBoot {
  bootMode: VmBootMode;
  outcome: Pick<BootOutcome, 'ok' | 'kind' | 'seconds' | 'accel' | 'problems'> & { line?: string };
}

export interface VmReport {
  /** Kiln's base made from nothing in a fresh data dir (mmdebstrap + finish + capture), ms. */
  baseMs: number;
  runs: VmRun[];
  /** The raw disks: virtual size and bytes on disk, Kiln's and the peer's (last run). */
  kilnDisk: { bytes: number; allocated: number };
  peerDisk: { bytes: number; allocated: number };
  /** Whether the unchanged rebuild gave the same manifest (and so the same disk bytes). */
  sameRawBytes?: boolean;
  boots: VmBoot[];
  versions: string[];
}

const allocated = (file: string) => statSync(file).blocks * 512;
const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

export async function benchVm(runs = Number(process.env.BENCH_VM_RUNS ?? 2)): Promise<VmReport> {
  const baseDir = mkdtempSync(join(tmpdir(), 'kiln-bench-vm-base-'));
  const work = mkdtempSync(join(tmpdir(), 'kiln-bench-vm-files-'));
  const dirs: string[] = [baseDir, work];
  const cleanup = () => {
    for (const d of dirs) {
      unmountAll(d);
      removeTree(d);
    }
  };
  process.once('exit', cleanup);
  try {
    log('vm: making the Debian 12 VM base in a fresh data dir (Kiln\'s mmdebstrap, timed once)…');
    const t0 = performance.now();
    await ensureDebianVm(new LayerStore(baseDir, new LocalBlobStore(join(baseDir, 'blobs'))));
    const baseMs = performance.now() - t0;
    log(`vm: base made in ${(baseMs / 1000).toFixed(1)} s`);
    const sources = formatDeb822Sources(debianVmSources(await readDebianSources()).sources);
    const steps = join(work, 'steps.sh');
    writeFileSync(steps, `${VM_STEPS.map((c) => `sh -c ${quote(c)}`).join('\n')}\n`);

    const out: VmRun[] = [];
    const kilnRaw = join(work, 'kiln.raw');
    const peerRaw = join(work, 'peer.raw');
    let sameRawBytes: boolean | undefined;
    for (let i = 0; i < runs; i++) {
      const run: Partial<VmRun> = {};
      const kilnSide = async () => {
        const dataDir = mkdtempSync(join(tmpdir(), 'kiln-bench-vm-data-'));
        dirs.push(dataDir);
        await timeCommand('cp', ['-al', `${baseDir}/.`, dataDir]);
        Object.assign(run, await kilnColdAndUnchanged(dataDir, kilnRaw, join(work, 'kiln-again.raw')));
        sameRawBytes = (await timeCommand('cmp', ['-s', kilnRaw, join(work, 'kiln-again.raw')]).then(() => true, () => false));
        rmSync(join(work, 'kiln-again.raw'), { force: true });
        unmountAll(dataDir);
        removeTree(dataDir);
      };
      const peerSide = async () => {
        const scratch = mkdtempSync(join(work, 'peer-'));
        rmSync(peerRaw, { force: true });
        run.peerMs = (await timeCommand('sh', ['-c', 'exec sh "$1" "$2" "$3" "$4" "$5" < "$6"', 'sh', PEER_SCRIPT, peerRaw, scratch, String(DISK_GIB * 2 ** 30), steps, join(work, 'sources')])).ms;
        removeTree(scratch);
        log(`  run ${i + 1}: peer ${(run.peerMs / 1000).toFixed(1)} s`);
      };
      writeFileSync(join(work, 'sources'), sources);
      for (const side of i % 2 === 0 ? [peerSide, kilnSide] : [kilnSide, peerSide]) await side();
      out.push(run as VmRun);
    }
    const boots: VmBoot[] = [];
    for (const bootMode of ['BIOS', 'UEFI'] as const) {
      log(`vm: booting Kiln's raw export (${bootMode}, TCG) to the KILN-BOOT-REPORT…`);
      const o = await checkBoot({ disk: kilnRaw, format: 'raw', bootMode, accel: 'tcg', timeoutMs: BOOT_TIMEOUT_MS });
      boots.push({ bootMode, outcome: { ok: o.ok, kind: o.kind, seconds: o.seconds, accel: o.accel, problems: o.problems, ...(o.report ? { line: o.report.line } : {}) } });
      log(`  ${bootMode}: ${o.kind} in ${o.seconds.toFixed(1)} s${o.ok ? '' : ` (${o.problems.join('; ')})`}`);
    }
    const versions = [
      (await timeCommand('mmdebstrap', ['--version'])).stdout.trim(),
      (await timeCommand('qemu-system-x86_64', ['--version'])).stdout.split('\n')[0]!.trim(),
      (await timeCommand('mke2fs', ['-V'])).stderr.split('\n')[0]!.trim(),
    ];
    return {
      baseMs, runs: out, boots, versions, ...(sameRawBytes === undefined ? {} : { sameRawBytes }),
      kilnDisk: { bytes: statSync(kilnRaw).size, allocated: allocated(kilnRaw) },
      peerDisk: { bytes: statSync(peerRaw).size, allocated: allocated(peerRaw) },
    };
  } finally {
    cleanup();
    process.removeListener('exit', cleanup);
  }
}

/** Kiln in `dataDir` (the base only): the cold build + raw export to `raw`, then the unchanged rebuild + export to `again`. */
async function kilnColdAndUnchanged(dataDir: string, raw: string, again: string): Promise<Omit<VmRun, 'peerMs'>> {
  const buildContent = VM_STEPS.map((c) => `RUN ${c}`).join('\n');
  let kiln = await startInProcessKiln(dataDir);
  let pipelineId: string;
  let coldBuildMs: number;
  let imageId: string;
  try {
    const res = await kiln.client.createImagePipeline(new $Ecs.CreateImagePipelineRequest({
      regionId: REGION, baseImageType: 'IMAGE', baseImage: VM_BASE, buildContent, internetMaxBandwidthOut: 10, systemDiskSize: DISK_GIB,
    }));
    pipelineId = res.body!.imagePipelineId!;
    const t = performance.now();
    imageId = await runBuild(kiln.client, pipelineId, 100);
    coldBuildMs = performance.now() - t;
  } finally {
    await kiln.stop();
  }
  const exportPhases: Phases = [];
  rmSync(raw, { force: true });
  const coldExportMs = (await timeKiln(dataDir, ['images', 'export', imageId, '--region', REGION, '--format', 'raw', '-o', raw], exportPhases)).ms;
  log(`  Kiln cold: build ${(coldBuildMs / 1000).toFixed(1)} s + export ${(coldExportMs / 1000).toFixed(1)} s`);
  kiln = await startInProcessKiln(dataDir);
  let rebuildMs: number;
  let againId: string;
  try {
    const t = performance.now();
    againId = await runBuild(kiln.client, pipelineId, 100);
    rebuildMs = performance.now() - t;
  } finally {
    await kiln.stop();
  }
  const reExportMs = (await timeKiln(dataDir, ['images', 'export', againId, '--region', REGION, '--format', 'raw', '-o', again])).ms;
  log(`  Kiln unchanged: build ${(rebuildMs / 1000).toFixed(1)} s + export ${(reExportMs / 1000).toFixed(1)} s`);
  return { coldBuildMs, coldExportMs, rebuildMs, reExportMs, exportPhases };
}

if (process.argv[1]?.endsWith('vm.ts')) {
  console.log(formatVm(await benchVm()));
}
