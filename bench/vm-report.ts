import { cpus, loadavg } from 'node:os';
import { spread } from './export-tools.js';
import type { VmReport } from './vm.js';

/*
 * The table `npm run bench -- vm` prints: Kiln's cold build + raw export (without and with the
 * base's own mmdebstrap) and its unchanged rebuild + export against the peer's run (it has no
 * cache, so its one figure is the denominator of both ratios), the targets (≤ 0.5× cold,
 * ≤ 0.1× unchanged) met or not, and the boot times. Printed, never asserted.
 */

const s = (ms: number) => (ms / 1000).toFixed(1);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

export function formatVm(r: VmReport): string {
  const cpu = cpus();
  const med = (f: (run: VmReport['runs'][number]) => number) => spread(r.runs.map(f));
  const range = (x: { median: number; min: number; max: number }) => `${s(x.median)} (${s(x.min)}–${s(x.max)})`;
  const peer = med((x) => x.peerMs);
  const coldBuild = med((x) => x.coldBuildMs);
  const coldExport = med((x) => x.coldExportMs);
  const cold = med((x) => x.coldBuildMs + x.coldExportMs);
  const coldWithBase = med((x) => r.baseMs + x.coldBuildMs + x.coldExportMs);
  const rebuild = med((x) => x.rebuildMs);
  const reExport = med((x) => x.reExportMs);
  const unchanged = med((x) => x.rebuildMs + x.reExportMs);
  const ratio = (k: number, target: number) => {
    const v = k / peer.median;
    return `${v.toFixed(3)}× (target ≤ ${target}×: ${v <= target ? 'met' : 'NOT met'})`;
  };
  const lines = [
    `VM images — ${new Date().toISOString()} — ${cpu.length} CPUs (${cpu[0]?.model ?? '?'}), node ${process.version}, load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    `Image: debian_12_x64_20G_kiln_vm.vhd + 3 RUN steps (apt-get install curl from the mirror, a user and a file, a systemd unit enabled), raw disk of ${mib(r.kilnDisk.bytes)} (Kiln: ${mib(r.kilnDisk.allocated)} on disk; peer: ${mib(r.peerDisk.bytes)}, ${mib(r.peerDisk.allocated)} on disk).`,
    `Peer: bench/vm-peer.sh (mmdebstrap + the steps in its chroot + mkfs.ext4 -d + mkfs.fat/mtools/syslinux/systemd-boot + sfdisk, raw). Tools: ${r.versions.join('; ')}. Runs: ${r.runs.length}, medians (min–max), seconds.`,
    '',
    `Kiln's base (ensureDebianVm from nothing, mmdebstrap included), once:  ${s(r.baseMs)}`,
    `Kiln cold, base already made: build ${range(coldBuild)} + raw export ${range(coldExport)} = ${range(cold)}`,
    `Kiln cold, base's mmdebstrap counted:                                    ${range(coldWithBase)}`,
    `Kiln unchanged rebuild (step cache) ${range(rebuild)} + raw export ${range(reExport)} = ${range(unchanged)}`,
    `Peer (no cache: cold and unchanged are the same run):                  ${range(peer)}`,
    '',
    `Kiln cold / peer (base made):        ${ratio(cold.median, 0.5)}`,
    `Kiln cold / peer (base counted):     ${ratio(coldWithBase.median, 0.5)}`,
    `Kiln unchanged / peer:               ${ratio(unchanged.median, 0.1)}`,
    `Unchanged rebuild's raw disk byte-identical to the cold one: ${r.sameRawBytes === undefined ? '—' : r.sameRawBytes ? 'yes' : 'no'}`,
    `Kiln's cold export phases (s from the CLI's start): ${(r.runs.at(-1)?.exportPhases ?? []).map((p) => `${p.phase} ${s(p.atMs)}`).join(', ')}`,
    '',
    ...r.boots.map((b) => `Boot of Kiln's raw export, ${b.bootMode} (${b.outcome.accel}): ${b.outcome.kind} after ${b.outcome.seconds.toFixed(1)} s${b.outcome.ok ? '' : ` — NOT ok: ${b.outcome.problems.join('; ')}`}${b.outcome.line ? `\n  ${b.outcome.line}` : ''}`),
  ];
  return lines.join('\n');
}
