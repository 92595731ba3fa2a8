import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import pg from 'pg';
import { benchScaleApi, type ScaleApiRow } from './scale-api.js';
import { benchScaleBlobs, type BlobReport } from './scale-blobs.js';
import { benchScaleWorkers, type WorkersReport } from './scale-workers.js';
import type { Credentials, Params } from './signed-request.js';

/*
 * `npm run bench -- scale` (issue 11, item 6): Kiln past one process and one machine, side by
 * side in one run — API processes on SQLite and PostgreSQL next to a bare server with as many
 * processes, Describe with 100k templates, 4 workers draining a queue, a large layer on the
 * local folder and on S3. Figures are printed, never asserted. Settings (environment):
 *   BENCH_SCALE_DURATION=5 BENCH_SCALE_WARMUP=2   seconds per measured run / warmup
 *   BENCH_SCALE_COUNTS=1,2,4                      API process counts
 *   BENCH_SCALE_ACCOUNTS=32                       accounts of the "distinct scopes" rows
 *   BENCH_SEED=100000                             templates for the Describe rows
 *   BENCH_SCALE_EXECUTIONS=500                    executions 4 workers drain
 *   BENCH_SCALE_BASELINE_EXECUTIONS=100           executions 1 worker drains (the baseline rate)
 *   BENCH_SCALE_REMOTE=2                          of the 4 workers, how many on "other hosts" (namespaces)
 *   BENCH_SCALE_BLOB_MIB=500                      the layer's size
 *   BENCH_SCALE_PARTS=api,workers,blobs           which to run (`create` or `describe`: half of `api`)
 */

export interface ScaleOptions {
  creds: Credentials;
  region: string;
  createParams: Params;
  profile: boolean;
  withPg: boolean;
  log: (msg: string) => void;
}

export interface ScaleReport {
  date: string;
  seconds: number;
  /** 1-minute load average at the start, its highest sample (every 5 s) and at the end. */
  load: { start: number; max: number; end: number };
  durationSec: number;
  warmupSec: number;
  connections: number;
  api?: ScaleApiRow[];
  workers?: WorkersReport;
  blobs?: BlobReport;
  notes: string[];
}

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

interface Postgres {
  url: string;
  stop(): Promise<void>;
}

/** A new database on the bench's PostgreSQL cluster; its URL. */
async function createDatabase(cluster: Postgres, prefix: string): Promise<string> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const c = new pg.Client({ connectionString: cluster.url });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  const url = new URL(cluster.url);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function benchScale(o: ScaleOptions): Promise<ScaleReport> {
  const started = Date.now();
  const parts = (process.env.BENCH_SCALE_PARTS ?? 'api,workers,blobs').split(',');
  const report: ScaleReport = {
    date: new Date().toISOString(), seconds: 0, load: { start: loadavg()[0]!, max: loadavg()[0]!, end: NaN },
    durationSec: env('BENCH_SCALE_DURATION', 5), warmupSec: env('BENCH_SCALE_WARMUP', 2), connections: 32, notes: [],
  };
  const sampler = setInterval(() => {
    report.load.max = Math.max(report.load.max, loadavg()[0]!);
  }, 5_000);
  let cluster: Postgres | undefined;
  try {
    if (o.withPg) {
      try {
        const script = new URL('../scripts/pg-cluster.mjs', import.meta.url).href;
        cluster = await ((await import(script)) as { startPostgres(): Promise<Postgres> }).startPostgres();
      } catch (err) {
        report.notes.push(`PostgreSQL did not start: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    const pgCluster = cluster;
    const freshDatabase = pgCluster ? (prefix: string) => createDatabase(pgCluster, prefix) : undefined;
    if (parts.some((p) => ['api', 'create', 'describe'].includes(p))) {
      report.api = await benchScaleApi({
        create: parts.includes('api') || parts.includes('create'),
        describe: parts.includes('api') || parts.includes('describe'),
        counts: (process.env.BENCH_SCALE_COUNTS ?? '1,2,4').split(',').map(Number),
        connections: report.connections,
        accounts: env('BENCH_SCALE_ACCOUNTS', 32),
        warmupSec: report.warmupSec,
        durationSec: report.durationSec,
        seedCount: env('BENCH_SEED', 100_000),
        ...(freshDatabase ? { freshDatabase } : {}),
        creds: o.creds, region: o.region, createParams: o.createParams, profile: o.profile, log: o.log,
      });
    }
    if (parts.includes('workers')) {
      if (freshDatabase) {
        report.workers = await benchScaleWorkers({
          executions: env('BENCH_SCALE_EXECUTIONS', 500), baselineExecutions: env('BENCH_SCALE_BASELINE_EXECUTIONS', 100),
          remote: env('BENCH_SCALE_REMOTE', 2), freshDatabase, creds: o.creds, region: o.region, log: o.log,
        });
      }
      else report.notes.push('workers: not run (they share a PostgreSQL database)');
    }
    if (parts.includes('blobs')) report.blobs = await benchScaleBlobs(env('BENCH_SCALE_BLOB_MIB', 500), o.log);
  } finally {
    clearInterval(sampler);
    await cluster?.stop().catch(() => {});
    report.load.end = loadavg()[0]!;
    report.seconds = Math.round((Date.now() - started) / 1000);
  }
  return report;
}
