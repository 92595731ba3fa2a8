import { cpus, loadavg } from 'node:os';
import type { ExportPair, ExportReport } from './export.js';
import { spread } from './export-tools.js';

/*
 * The table `npm run bench -- export` prints: per pair, each side's median and spread (min–max)
 * and Kiln's time as a ratio of the tool's (target ≤ 1.2×). Printed, never asserted.
 */

const TARGET = 1.2;
const s = (ms: number) => (ms / 1000).toFixed(2);
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

function ratios(p: ExportPair): { median: number; min: number; max: number } {
  const k = spread(p.kilnMs);
  const t = spread(p.toolMs);
  // Per run pairs (run i of each side) give the spread of the ratio.
  const perRun = p.kilnMs.map((ms, i) => ms / (p.toolMs[i] ?? Number.NaN));
  const r = spread(perRun);
  return { median: k.median / t.median, min: r.min, max: r.max };
}

export function formatExport(r: ExportReport): string {
  const lines: string[] = [];
  const cpu = cpus();
  lines.push(`Export and push — ${new Date().toISOString()} — ${cpu.length} CPUs (${cpu[0]?.model ?? '?'}), node ${process.version}, load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  lines.push(`Image ${r.imageId}: Debian minbase + one step adding ~1.1 GiB (480 MiB random, 16 384 × 4 KiB random, 256 MiB base64, ~290 MiB seq); built in ${s(r.buildMs)} s (untimed).`);
  lines.push(`Raw disk: ${mb(r.rawBytes)} virtual, ${mb(r.rawAllocated)} on disk. OCI archive: ${mb(r.ociArchiveBytes)} (kiln images export --format oci: ${s(r.ociExportMs)} s).`);
  lines.push(`Tools: ${r.versions.join('; ')}. Kiln CLI start alone (kiln --help): median ${s(spread(r.cliStartMs).median)} s.`);
  lines.push('');
  const header = ['work', 'runs', 'Kiln median s (min–max)', 'tool median s (min–max)', 'Kiln / tool', 'per-run ratios', `target ≤ ${TARGET}×`, 'written (Kiln / tool)'];
  const body = r.pairs.map((p) => {
    const k = spread(p.kilnMs);
    const t = spread(p.toolMs);
    const ratio = ratios(p);
    return [
      `${p.work}: ${p.kiln} vs ${p.tool}`,
      String(p.kilnMs.length),
      `${s(k.median)} (${s(k.min)}–${s(k.max)})`,
      `${s(t.median)} (${s(t.min)}–${s(t.max)})`,
      `${ratio.median.toFixed(2)}×`,
      `${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)}×`,
      p.work.endsWith('floor') ? 'n/a (a floor)' : ratio.median <= TARGET ? 'yes' : 'NO',
      p.kilnBytes !== undefined && p.toolBytes !== undefined ? `${mb(p.kilnBytes)} / ${mb(p.toolBytes)}` : '—',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  lines.push(line(header));
  lines.push(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const b of body) lines.push(line(b));
  for (const p of r.pairs) {
    if (!p.kilnPhases?.length) continue;
    // Each phase lasts until the next one starts; the first starts when the CLI has booted.
    const parts = p.kilnPhases.slice(0, -1).map((ph, i) => `${ph.phase} ${s(p.kilnPhases![i + 1]!.atMs - ph.atMs)} s`);
    lines.push(`Kiln ${p.work}, last run: start ${s(p.kilnPhases[0]!.atMs)} s, ${parts.join(', ')}.`);
  }
  return lines.join('\n');
}
