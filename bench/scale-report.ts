import type { ScaleReport } from './scale.js';

/* The scale bench's figures as Markdown tables (printed; pasted into BENCHMARKS.md). */

const f = (n: number | undefined, digits = 0) => (n === undefined || Number.isNaN(n) ? '—' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));

function table(header: string[], body: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...body.map((b) => `| ${b.join(' | ')} |`)].join('\n');
}

export function formatScale(r: ScaleReport): string {
  const out: string[] = [];
  out.push(`Kiln scale bench — ${r.date} — whole run ${r.seconds} s; ${r.warmupSec} s warmup + ${r.durationSec} s per API row, ${r.connections} connections; 1-min load average ${f(r.load.start, 2)} at the start, ${f(r.load.max, 2)} at most, ${f(r.load.end, 2)} at the end.`);
  for (const n of r.notes) out.push(`Note: ${n}`);
  if (r.api) {
    out.push('', table(
      ['operation', 'server', 'processes', 'scope', 'templates', 'req/s', 'p50 ms', 'p99 ms', 'srv CPU µs/req', 'CPU % by process', 'failed', '× bare', 'PG / SQLite', 'target', 'met?'],
      r.api.map((a) => {
        const m = a.measured?.result;
        return [
          a.operation, a.server, String(a.processes), a.scope, a.stored,
          a.notRun ? `not run: ${a.notRun.slice(0, 120)}` : f(m?.rps), f(m?.p50, 2), f(m?.p99, 2), f(a.measured?.serverCpuUs), a.measured ? a.measured.cpuShares.map((x) => x.toFixed(0)).join('/') : '—', m ? String(m.failed) : '—',
          a.ratioToBare === undefined ? '' : `${a.ratioToBare.toFixed(3)}×`, a.ratioToSqlite === undefined ? '' : `${a.ratioToSqlite.toFixed(2)}×`,
          a.target ?? '', a.notRun ? '—' : m && m.failed > 0 ? 'INVALID' : a.met === undefined ? '' : a.met ? 'yes' : 'NO',
        ];
      }),
    ));
    for (const a of r.api) {
      if (a.faults) out.push('', `Faults Kiln logged during ${a.operation}, ${a.server} × ${a.processes}, ${a.scope}: ${a.faults.join(' | ')}`);
    }
    for (const a of r.api) {
      if (a.profile) out.push('', `CPU profile of Kiln (all its processes) during ${a.operation}, ${a.server} × ${a.processes}, ${a.scope}:`, a.profile);
    }
  }
  if (r.workers) {
    const w = r.workers;
    out.push('', `Workers: ${w.layout}; every template \`${w.buildContent}\` on busybox.${w.notRun ? ` NOT RUN: ${w.notRun}` : ''}`);
    const base = w.runs.find((x) => x.workers === 1);
    out.push('', table(
      ['workers', 'executions', 'seconds', 'executions/s', '× 1 worker', 'SUCCESS', 'lost (not SUCCESS)', 'claimed twice', 'extra images', 'step: run / cached', 'seen building (sampled)'],
      w.runs.map((x) => [
        `${x.workers} (${x.layout})`, String(x.executions), f(x.seconds, 1), f(x.perSecond, 1), base ? `${(x.perSecond / base.perSecond).toFixed(2)}×` : '',
        String(x.succeeded), Object.keys(x.notSucceeded).length ? JSON.stringify(x.notSucceeded) : '0', String(x.doubleClaims), String(x.extraImages),
        `${x.stepsRun} / ${x.stepCacheHits}`, Object.entries(x.seenBy).map(([k, v]) => `${k} ${v}`).join(', '),
      ]),
    ));
  }
  if (r.blobs) {
    const b = r.blobs;
    out.push('', `Blob store: one ${b.sizeMiB} MiB random layer, each operation in a fresh process through blobStoreOf.${b.notRun ? ` NOT RUN: ${b.notRun}` : ''}${b.s3ServerPeakRssMiB ? ` The S3 test server's own peak RSS: ${f(b.s3ServerPeakRssMiB)} MiB.` : ''}`);
    out.push('', table(
      ['store', 'operation', 'MB/s', 'seconds', 'client CPU s', 'RSS before MiB', 'peak RSS MiB'],
      b.rows.map((x) => [x.store, x.op, f(x.mbPerSec), f(x.seconds, 2), f(x.cpuSeconds, 2), f(x.rssBeforeMiB), f(x.peakRssMiB)]),
    ));
  }
  return out.join('\n');
}
