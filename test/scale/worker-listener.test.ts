import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { listenWorkerProbes, parseListenAddress } from '../../src/main/worker-listener.js';
import { createStore } from '../../src/store/create-store.js';
import { build } from '../support/builds.js';
import { kilnEnv, REPO_ROOT } from '../support/child.js';
import { startKiln, type TestKiln } from '../support/kiln.js';
import { freshDatabase, type FreshDatabase } from '../support/pg.js';

/*
 * `kiln worker` with KILN_WORKER_LISTEN serves its probes and its own metrics (the counts of the
 * builds it ran, under kiln serve's names) on a small port of its own, and nothing else; without
 * the setting it opens no port. The API runs in this process (KILN_WORKERS=0) on the same
 * PostgreSQL database and data dir.
 */

let db: FreshDatabase;
let api: TestKiln | undefined;
const children: ChildProcess[] = [];

before(async () => {
  db = await freshDatabase('kiln_worker_listen');
  api = await startKiln({ KILN_DATABASE_URL: db.url });
});
after(async () => {
  for (const c of children) await stop(c);
  await api?.stop();
  await db?.drop();
});

/** `kiln worker` on the API's database and data dir; resolves with its stdout once `ready` is in it. */
async function spawnWorker(env: Record<string, string>, ready: string): Promise<{ child: ChildProcess; out: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'main', 'cli.ts'), 'worker'], {
    cwd: REPO_ROOT, env: kilnEnv({ KILN_DATABASE_URL: db.url, KILN_DATA_DIR: api!.config.dataDir, ...env }), stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (out.includes(ready)) resolve();
    });
    child.on('exit', (code, signal) => reject(new Error(`kiln worker exited (${code ?? signal}) before "${ready}"; stderr:\n${err}\nstdout:\n${out}`)));
  });
  return { child, out: () => out };
}

/** SIGTERM; resolves with the exit code once the process has ended. */
async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

/** The TCP ports a process listens on (its socket fds that /proc/net/tcp{,6} list in state LISTEN). */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // An fd closed while listed.
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === '0A' && inodes.has(f[9] ?? '')) ports.push(Number.parseInt(f[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}

/** Polls `/metrics` until `re` matches; returns the text. */
async function metricsMatching(endpoint: string, re: RegExp): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const text = await (await fetch(`${endpoint}/metrics`)).text();
    if (re.test(text)) return text;
    if (Date.now() > deadline) assert.fail(`no ${re} in the worker's /metrics:\n${text}`);
    await sleep(100);
  }
}

describe('kiln worker\'s listener (KILN_WORKER_LISTEN)', () => {
  test('a build run by the worker shows in its /metrics; /healthz and /readyz answer; no API, no other port', async () => {
    const worker = await spawnWorker({ KILN_WORKER_LISTEN: '127.0.0.1:0' }, '/metrics\n');
    const endpoint = /Kiln worker probes on (http:\/\/127\.0\.0\.1:\d+): \/healthz, \/readyz, \/metrics/.exec(worker.out())?.[1];
    assert.ok(endpoint, worker.out());
    assert.deepEqual(listeningPorts(worker.child.pid!), [Number(new URL(endpoint).port)], 'one port: the listener');

    const built = await build(api!.clients.v3, { buildContent: 'RUN echo worker-listener > /proof' });
    assert.equal(built.item.status, 'SUCCESS', JSON.stringify(built.item));
    const text = await metricsMatching(endpoint, /^kiln_executions_finished_total\{status="SUCCESS"\} 1$/m);
    const res = await fetch(`${endpoint}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(text, /^kiln_worker_leases_total\{job="execution",event="claimed"\} 1$/m);
    assert.match(text, /^kiln_step_cache_misses_total 1$/m);
    assert.match(text, /^kiln_build_step_duration_seconds_count\{cache="miss"\} 1$/m);
    assert.match(text, /^kiln_blob_store_bytes_total\{direction="in"\} [1-9]\d*$/m);
    assert.match(text, /^# TYPE kiln_gc_runs_total counter$/m);
    assert.match(text, /^process_cpu_user_seconds_total /m);
    // The queue, read from the database as kiln serve reads it (a dashboard takes its max over hosts).
    assert.match(text, /^kiln_executions\{status="BUILDING"\} 0$/m);
    assert.match(text, /^kiln_queue_depth 0$/m);
    // The API's requests are counted where they are answered, not here.
    assert.doesNotMatch(text, /^kiln_api_requests_total\{/m);

    const health = await fetch(`${endpoint}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { pid: number }).pid, worker.child.pid);
    const ready = await fetch(`${endpoint}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready' });
    // No ECS RPC endpoint and no Kiln route: a worker host serves no API.
    const rpc = await fetch(`${endpoint}/?Action=DescribeRegions&Format=JSON`);
    assert.equal(rpc.status, 404);
    assert.equal(rpc.headers.get('x-acs-request-id'), null);
    const posted = await fetch(`${endpoint}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=StartImagePipelineExecution&RegionId=cn-hangzhou' });
    assert.equal(posted.status, 404);
    assert.equal((await fetch(`${endpoint}/kiln/v1/executions/x/logs`)).status, 404);

    assert.equal(await stop(worker.child), 0);
  });

  test('without the setting: no port at all', async () => {
    const worker = await spawnWorker({}, 'Kiln worker(s) started');
    assert.deepEqual(listeningPorts(worker.child.pid!), []);
    assert.doesNotMatch(worker.out(), /probes/);
    assert.equal(await stop(worker.child), 0);
  });

  test('KILN_METRICS=false: the probes only; a stopping worker is not ready', async () => {
    const config = loadConfig({ KILN_DATA_DIR: api!.config.dataDir, KILN_DATABASE_URL: db.url, KILN_METRICS: 'false' });
    const store = await createStore({ dataDir: config.dataDir, databaseUrl: db.url });
    const probes = await listenWorkerProbes('127.0.0.1:0', config, store, undefined);
    try {
      assert.equal((await fetch(`${probes.endpoint}/metrics`)).status, 404);
      assert.equal((await fetch(`${probes.endpoint}/readyz`)).status, 200);
      probes.drain();
      const ready = await fetch(`${probes.endpoint}/readyz`);
      assert.equal(ready.status, 503);
      assert.deepEqual(await ready.json(), { status: 'unready', reason: 'draining' });
    } finally {
      await probes.close();
      await store.close();
    }
  });

  test('the address: host:port, [v6]:port; anything else names the setting', () => {
    assert.equal(loadConfig({ KILN_WORKER_LISTEN: '0.0.0.0:9464' }).workerListen, '0.0.0.0:9464');
    assert.deepEqual(parseListenAddress('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseListenAddress('worker-7.lan:65535'), { host: 'worker-7.lan', port: 65535 });
    for (const bad of ['9464', '0.0.0.0:65536', ':9464', '::1:9464', 'http://0.0.0.0:9464']) {
      assert.throws(() => loadConfig({ KILN_WORKER_LISTEN: bad }), (err: Error) => err.message.startsWith(`KILN_WORKER_LISTEN must be host:port`) && err.message.includes(`got "${bad}"`), bad);
    }
  });
});
