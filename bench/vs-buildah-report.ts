import type { SideTimes, VsReport } from './vs-buildah.js';

/*
 * The Kiln vs buildah bench's report (vs-buildah.ts): a table per case and the targets.
 */

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
