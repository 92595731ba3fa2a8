import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { callOnce } from './load.js';
import { createRemoteNetwork, startRemoteWorker, type RemoteNetwork } from '../test/support/remote-host.js';
import { spawnNode, startKiln, type Child } from './processes.js';
import { startS3Process, type S3Process } from './scale-s3.js';
import { createSigner, type Credentials } from './signed-request.js';

/*
 * Item 3 of the scale bench: `kiln worker` processes, each on a data dir of its own, sharing one
 * PostgreSQL database (the queue) and one S3 bucket (the blob store, on the S3 test server) with
 * an API-only Kiln (KILN_WORKERS=0), drain a queue of executions: one local worker (the
 * baseline), then 2 local + 2 on "other hosts" (test/support/remote-host.ts: network and mount
 * namespaces that reach only PostgreSQL and S3). The templates are made first; then the workers
 * are up and idle, the Starts are sent one after another, and the clock runs from the first
 * Start until the store shows every execution ended. Then the store is checked: every execution
 * SUCCESS (none lost); each claimed once (`attempt` = 1: a second claim of a lost worker's build
 * would end it WorkerLost) and never seen leased by two workers (sampled while draining); exactly
 * one image per execution (a build run twice would register two).
 *
 * Every template has the same one step (`RUN echo …` on busybox): the first build runs it and
 * stores it in the step cache, every later build takes it from there, so what is measured is the
 * queue (claim, lease, progress writes, image registration, finish), not runc (a step of runc
 * costs 30–90 ms here and would be most of each build).
 */

export interface WorkersRun {
  workers: number;
  /** The workers' labels (local-N on this host, remote-N on another host). */
  layout: string;
  executions: number;
  seconds: number;
  perSecond: number;
  succeeded: number;
  /** Executions not ended SUCCESS (their statuses). */
  notSucceeded: Record<string, number>;
  /** Executions claimed more than once (`attempt` > 1, or seen leased by two workers). */
  doubleClaims: number;
  /** How many executions each worker was seen holding while the queue drained (sampled: short builds may be missed). */
  seenBy: Record<string, number>;
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
  /** Workers on "other hosts" in the 4-worker run (the rest run on this host). */
  remote: number;
  log: (msg: string) => void;
}

const BUILD_CONTENT = 'RUN echo kiln-scale-bench';
const S3_BUCKET = 'kiln-scale-queue';
const S3_PREFIX = 'blobs';
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

/** A running `kiln worker` of the bench: a label, its build workers' ids, a clean stop. */
interface BenchWorker {
  label: string;
  ids: string[];
  stop(): Promise<void>;
}

const idsIn = (out: string) => /Kiln worker\(s\) started: ([^(]+) \(/.exec(out)?.[1]?.split(', ').map((x) => x.trim()) ?? [];

async function startLocalWorker(label: string, env: Record<string, string>): Promise<BenchWorker> {
  const child = await spawnNode({
    name: `kiln worker ${label}`,
    args: ['--import', 'tsx', 'src/main/cli.ts', 'worker'],
    env,
    ready: (out) => (/Kiln worker\(s\) started: .*\n/.test(out) ? 1 : undefined),
  });
  return { label, ids: idsIn(child.output()), stop: () => child.stop(20_000) };
}

/**
 * A `kiln worker` on "another host" (test/support/remote-host.ts): its own network namespace
 * reaching only a PostgreSQL forwarder and an S3 forwarder, its own mount namespace in which
 * the API's and the local workers' data dirs are hidden (an empty tmpfs), its own data dir.
 */
async function startRemoteBenchWorker(label: string, env: Record<string, string>, databaseUrl: string, s3: S3Process, hide: string): Promise<BenchWorker & { network: RemoteNetwork }> {
  const network = await createRemoteNetwork();
  try {
    const pgUrl = await network.forwardDatabase(databaseUrl);
    const s3Port = await network.forward({ host: '127.0.0.1', port: s3.port });
    await network.allowOnly([Number(new URL(pgUrl).port), s3Port]);
    const worker = await startRemoteWorker({
      network,
      env: { ...env, KILN_DATABASE_URL: pgUrl, ...s3.blobStoreEnv(S3_PREFIX, `http://${network.hostAddress}:${s3Port}`) },
      hidden: { dirs: [hide] },
    });
    return {
      label, ids: worker.workerIds, network,
      async stop() {
        await worker.stop();
        await network.remove();
      },
    };
  } catch (err) {
    await network.remove();
    throw err;
  }
}

async function drain(o: WorkersOptions, layout: { local: number; remote: number }, executions: number, dirs: string[]): Promise<WorkersRun> {
  const tempDir = (prefix: string) => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  const databaseUrl = await o.freshDatabase('kiln_scale_queue');
  const s3 = await startS3Process(S3_BUCKET);
  const hostDir = tempDir('kiln-scale-host-');
  const remoteDir = tempDir('kiln-scale-remote-');
  const common = { KILN_ACCESS_KEY_ID: o.creds.accessKeyId, KILN_ACCESS_KEY_SECRET: o.creds.accessKeySecret, ...QUEUE_ENV };
  const workers: BenchWorker[] = [];
  let api: Child | undefined;
  const db = new pg.Client({ connectionString: databaseUrl });
  try {
    api = await startKiln({ dataDir: join(hostDir, 'api'), databaseUrl, ...o.creds, env: { KILN_WORKERS: '0', ...QUEUE_ENV, ...s3.blobStoreEnv(S3_PREFIX) } });
    await db.connect();
    const pipelines: string[] = [];
    for (let i = 0; i < executions; i++) {
      const body = await call(api.port, o.creds, 'CreateImagePipeline', { RegionId: o.region, BaseImageType: 'IMAGE', BaseImage: 'busybox_x64_20G_kiln_base.vhd', BuildContent: BUILD_CONTENT, Name: `scale-${i}` });
      pipelines.push(String(body.ImagePipelineId));
    }
    for (let i = 0; i < layout.local; i++) {
      workers.push(await startLocalWorker(`local-${i}`, { ...common, KILN_DATA_DIR: join(hostDir, `worker-${i}`), KILN_DATABASE_URL: databaseUrl, ...s3.blobStoreEnv(S3_PREFIX) }));
    }
    for (let i = 0; i < layout.remote; i++) {
      workers.push(await startRemoteBenchWorker(`remote-${i}`, { ...common, KILN_DATA_DIR: join(remoteDir, `worker-${i}`) }, databaseUrl, s3, hostDir));
    }
    const labelOf = new Map(workers.flatMap((w) => w.ids.map((id) => [id, w.label] as const)));
    o.log(`workers: ${workers.map((w) => w.label).join(', ')} up; starting ${executions} executions…`);
    // Who holds each execution, sampled while the queue drains: two owners of one execution would be a double claim.
    const owners = new Map<string, Set<string>>();
    const sample = async () => {
      const { rows } = await db.query<{ id: string; lease_owner: string | null }>('SELECT id, lease_owner FROM executions WHERE active = 1');
      for (const r of rows) {
        if (!r.lease_owner) continue;
        const set = owners.get(r.id) ?? new Set<string>();
        set.add(r.lease_owner);
        owners.set(r.id, set);
      }
      return rows.length;
    };
    const t0 = process.hrtime.bigint();
    for (const [i, id] of pipelines.entries()) {
      await call(api.port, o.creds, 'StartImagePipelineExecution', { RegionId: o.region, ImagePipelineId: id });
      if (i % 10 === 9) await sample();
    }
    while ((await sample()) > 0) await new Promise((r) => setTimeout(r, 20));
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
    const claimedAgain = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM executions WHERE attempt <> 1')).rows[0]!.n);
    const seenTwice = [...owners.values()].filter((set) => set.size > 1).length;
    const seenBy: Record<string, number> = {};
    for (const set of owners.values()) for (const id of set) seenBy[labelOf.get(id) ?? id] = (seenBy[labelOf.get(id) ?? id] ?? 0) + 1;
    const images = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM images')).rows[0]!.n);
    const steps = (await db.query<{ hit: string; ran: string }>(
      "SELECT count(DISTINCT execution_id) FILTER (WHERE text LIKE '%Steps: 0 step(s) run, 1 from%') AS hit, count(DISTINCT execution_id) FILTER (WHERE text LIKE '%Steps: 1 step(s) run%') AS ran FROM execution_logs",
    )).rows[0]!;
    return {
      workers: workers.length, layout: workers.map((w) => w.label).join(', '), executions, seconds, perSecond: executions / seconds, succeeded, notSucceeded,
      doubleClaims: claimedAgain + seenTwice, seenBy, extraImages: images - succeeded, stepCacheHits: Number(steps.hit), stepsRun: Number(steps.ran),
    };
  } finally {
    await db.end().catch(() => {});
    for (const w of workers) await w.stop().catch(() => {});
    await api?.stop();
    await s3.stop();
  }
}

export async function benchScaleWorkers(o: WorkersOptions): Promise<WorkersReport> {
  const dirs: string[] = [];
  const report: WorkersReport = {
    layout: `kiln worker processes, each on its own data dir, sharing one PostgreSQL database and one S3 bucket (the S3 test server) with an API-only Kiln; ${o.remote} of the 4 on "other hosts" (own network namespace reaching only PostgreSQL and S3, own mount namespace hiding this host's data dirs)`,
    buildContent: BUILD_CONTENT,
    runs: [],
  };
  try {
    for (const [layout, count] of [[{ local: 1, remote: 0 }, o.baselineExecutions], [{ local: 4 - o.remote, remote: o.remote }, o.executions]] as const) {
      o.log(`workers: ${layout.local} local + ${layout.remote} remote worker(s) draining ${count} executions…`);
      const run = await drain(o, layout, count, dirs);
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
