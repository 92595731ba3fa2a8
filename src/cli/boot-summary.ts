import type { BootOutcome, BootReport } from '../engine/vm/types.js';

/** How many console lines a failed boot shows. */
export const SHOWN_LINES = 40;

/** The one line a good boot ends with: how long, on what, what the guest reported. */
export function bootSummary(imageId: string, bootMode: string, outcome: BootOutcome): string {
  const report = outcome.report!;
  return `kiln: ${imageId} booted (${bootMode}, ${outcome.accel}) to ${report.target} in ${outcome.seconds.toFixed(1)} s: ${describeReport(report)}`;
}

/** What a failed boot prints: why, then the last console lines. */
export function bootFailure(imageId: string, bootMode: string, outcome: BootOutcome): string {
  const head = `kiln: ${imageId} did not boot (${bootMode}, ${outcome.accel}, ${outcome.kind} after ${outcome.seconds.toFixed(1)} s)`;
  const why = outcome.problems.map((p) => `kiln:   ${p}`);
  const lines = outcome.lastLines.slice(-SHOWN_LINES);
  return [head, ...why, `kiln: the last ${lines.length} console line(s):`, ...lines.map((l) => `  | ${l}`)].join('\n');
}

function describeReport(report: BootReport): string {
  const ip = report.ipv4 ? `${report.ipv4.address}/${report.ipv4.prefixLength}` : 'no IPv4 address';
  const gib = (n: number) => `${(n / 2 ** 30).toFixed(1)} GiB`;
  return `${ip}, root ${gib(report.rootBytes)} of a ${gib(report.diskBytes)} disk (growroot ${report.growroot}), cmd ${report.cmd}`;
}
