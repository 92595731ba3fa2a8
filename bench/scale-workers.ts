import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { callOnce } from './load.js';
import { spawnNode, startKiln, type Child } from './processes.js';
import { createSigner, type Credentials } from './signed-request.js';

/*
 * Item 3 of the scale bench: `kiln worker` processes, each on a data dir of its own, sharing one
 * PostgreSQL database (the queue) with an API-only Kiln (KILN_WORKERS=0), drain a queue of
 * executions. The templates are made first; then the workers are up and idle, the Starts are
 * sent one after another, and the clock runs from the first Start until the store shows every
 * execution ended. Then the store is checked: every execution SUCCESS (none lost), each claimed
 * once (`attempt` = 1: a second claim of a lost worker's build would end it WorkerLost), and
 * exactly one image per execution (a build run twice would register two).
 *
 * Every template has the same one step (`RUN echo …` on busybox): the first build runs it and
 * stores it in the step cache, every later build takes it from there, so what is measured is the
 * queue (claim, lease, progress writes, image registration, finish), not runc (a step of runc
 * costs 30–90 ms here and would be most of each build).
 */

export interface WorkersRun {
  workers: number;
  executions: number;
  seconds: number;
  perSecond: number;
  succeeded: number;
  /** Executions not ended SUCCESS (their statuses). */
  notSucceeded: Record<string, number>;
  /** Executions claimed more than once. */
  doubleClaims: number;
  /** Images registered for these executions' templates' account, minus one per SUCCESS. */
  extraImages: number;
  /** Builds whose step came from the step cache / ran in a container (from each build's "Steps:" log line). */
  stepCacheHits: number;
  stepsRun: number;
}

export interface WorkersReport {
  /** How the workers were run (same host, own data dirs, …). */
  layout: string;
  buildContent: string;
  runs: WorkersRun[];
  notRun?: string;
}

export interface WorkersOptions {
  executions: number;
  /** Executions of the one-worker baseline (a rate, so fewer are enough). */
  baselineExecutions: number;
  freshDatabase: (prefix: string) => Promise<string>;
  creds: Credentials;
  region: string;
  /** KILN_* settings every worker and the API get (e.g. the S3 blob store). */
  env?: Record<string, string>;
  log: (msg: string) => void;
}

const BUILD_CONTENT = 'RUN echo kiln-scale-bench';
const QUEUE_ENV = {
  KILN_PIPELINE_QUOTA: '100000',
  // The bench's executions all belong to one account: no per-account cap on running builds.
  KILN_ACCOUNT_MAX_RUNNING: '0',
  // 4 × SystemDiskSize (sparse) is not what is measured here.
  KILN_HOST_DISK_ADMISSION: 'false',
  KILN_LOG_LEVEL: 'warn',
};

async function call(port: number, creds: Credentials, action: string, params: Record<string, string>): Promise<Record<string, unknown>> {
  const res = await callOnce(port, createSigner(creds, `127.0.0.1:${port}`).template(action, params).sign());
  if (res.status !== 200) throw new Error(`${action} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as Record<string, unknown>;
}

function startWorker(o: WorkersOptions, databaseUrl: string, dataDir: string): Promise<Child> {
  return spawnNode({
    name: 'kiln worker',
    args: ['--import', 'tsx', 'src/main/cli.ts', 'worker'],
    env: { KILN_DATA_DIR: dataDir, KILN_DATABASE_URL: databaseUrl, KILN_ACCESS_KEY_ID: o.creds.accessKeyId, KILN_ACCESS_KEY_SECRET: o.creds.accessKeySecret, ...QUEUE_ENV, ...o.env },
    ready: (out) => (/Kiln worker\(s\) started/.test(out) ? 1 : undefined),
  });
}

async function drain(o: WorkersOptions, workerCount: number, executions: number, dirs: string[]): Promise<WorkersRun> {
  const tempDir = (prefix: string) => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  const databaseUrl = await o.freshDatabase('kiln_scale_queue');
  const api = await startKiln({ dataDir: tempDir('kiln-scale-api-'), databaseUrl, ...o.creds, env: { KILN_WORKERS: '0', ...QUEUE_ENV, ...o.env } });
  const workers: Child[] = [];
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const pipelines: string[] = [];
    for (let i = 0; i < executions; i++) {
      const body = await call(api.port, o.creds, 'CreateImagePipeline', { RegionId: o.region, BaseImageType: 'IMAGE', BaseImage: 'busybox_x64_20G_kiln_base.vhd', BuildContent: BUILD_CONTENT, Name: `scale-${i}` });
      pipelines.push(String(body.ImagePipelineId));
    }
    for (let i = 0; i < workerCount; i++) workers.push(await startWorker(o, databaseUrl, tempDir('kiln-scale-worker-')));
    o.log(`workers: ${workerCount} worker(s) up; starting ${executions} executions…`);
    const t0 = process.hrtime.bigint();
    for (const id of pipelines) await call(api.port, o.creds, 'StartImagePipelineExecution', { RegionId: o.region, ImagePipelineId: id });
    for (;;) {
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM executions WHERE active = 1');
      if (Number(rows[0]!.n) === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const statuses = await db.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM executions GROUP BY status');
    const notSucceeded: Record<string, number> = {};
    let succeeded = 0;
    for (const r of statuses.rows) {
      if (r.status === 'SUCCESS') succeeded = Number(r.n);
      else notSucceeded[r.status] = Number(r.n);
    }
    const missing = executions - statuses.rows.reduce((s, r) => s + Number(r.n), 0);
    if (missing !== 0) notSucceeded['(no row)'] = missing;
    const doubleClaims = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM executions WHERE attempt <> 1')).rows[0]!.n);
    const images = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM images')).rows[0]!.n);
    const steps = (await db.query<{ hit: string; ran: string }>(
      "SELECT count(DISTINCT execution_id) FILTER (WHERE text LIKE '%Steps: 0 step(s) run, 1 from%') AS hit, count(DISTINCT execution_id) FILTER (WHERE text LIKE '%Steps: 1 step(s) run%') AS ran FROM execution_logs",
    )).rows[0]!;
    return {
      workers: workerCount, executions, seconds, perSecond: executions / seconds, succeeded, notSucceeded, doubleClaims,
      extraImages: images - succeeded, stepCacheHits: Number(steps.hit), stepsRun: Number(steps.ran),
    };
  } finally {
    await db.end();
    for (const w of workers) await w.stop(20_000);
    await api.stop();
  }
}

export async function benchScaleWorkers(o: WorkersOptions): Promise<WorkersReport> {
  const dirs: string[] = [];
  const report: WorkersReport = {
    layout: 'kiln worker processes on this host, each on its own data dir, sharing one PostgreSQL database with an API-only Kiln',
    buildContent: BUILD_CONTENT,
    runs: [],
  };
  try {
    for (const [workers, count] of [[1, o.baselineExecutions], [4, o.executions]] as const) {
      o.log(`workers: ${workers} worker(s) draining ${count} executions…`);
      const run = await drain(o, workers, count, dirs);
      o.log(`  ${run.perSecond.toFixed(1)} executions/s; ${run.succeeded} SUCCESS, ${run.doubleClaims} claimed twice, ${run.extraImages} extra images; step run ${run.stepsRun}×, from the cache ${run.stepCacheHits}×`);
      report.runs.push(run);
    }
  } catch (err) {
    report.notRun = (err as Error).message.split('\n').slice(0, 2).join(' / ');
    o.log(`workers: ${report.notRun}`);
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  return report;
}
