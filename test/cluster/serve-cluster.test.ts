import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { defaultCredentials } from '../support/builds.js';
import { freePort, spawnKiln, type KilnProcess } from '../support/child.js';
import { freshDatabase, type FreshDatabase } from '../support/pg.js';
import { alive, bannerPids, createUnderLoad, heldRequest, readFromEveryProcess, waitForNewProcess, waitUntilRefused } from './support/cluster-load.js';

/*
 * `kiln serve --api-processes 4` as a real process on a real port, on SQLite (WAL, writes
 * through the file lock, each process group-committing its own) and on PostgreSQL: 16 SDK
 * clients creating templates at once through every process, the quota exact, no 5xx, and every
 * acknowledged create read back from each of the four processes, and counted once in the
 * host's /metrics. Then a killed API process is replaced, and SIGTERM drains: new connections
 * are refused, a request being served is still answered, and everything exits 0.
 */

const PROCESSES = 4;
const CLIENTS = 4 * PROCESSES;
const EACH = 4;
const QUOTA = 40;

const dirs: string[] = [];
const procs: KilnProcess[] = [];
let db: FreshDatabase | undefined;
after(async () => {
  for (const p of procs) await p.kill();
  await db?.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function startCluster(env: Record<string, string>): Promise<{ kiln: KilnProcess; dataDir: string; pids: number[] }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kiln-cluster-'));
  dirs.push(dataDir);
  const kiln = await spawnKiln({ KILN_DATA_DIR: dataDir, KILN_PORT: String(await freePort()), KILN_PIPELINE_QUOTA: String(QUOTA), KILN_WORKERS: '0', ...env }, ['--api-processes', String(PROCESSES)]);
  procs.push(kiln);
  await kiln.waitForOutput('API processes (pids');
  const pids = bannerPids(kiln.stdout());
  assert.equal(pids.length, PROCESSES);
  assert.ok(!pids.includes(kiln.child.pid!), 'the primary serves no request');
  return { kiln, dataDir, pids };
}

/** Creates under load through every process and checks the quota and every process's view. */
async function loadAndReadBack(kiln: KilnProcess, dataDir: string, pids: number[]): Promise<string[]> {
  const key = defaultCredentials(dataDir);
  const { created, refused } = await createUnderLoad(kiln.endpoint, key, CLIENTS, EACH);
  assert.equal(new Set(created).size, QUOTA, 'exactly the quota was created');
  assert.deepEqual([...refused], [['QuotaExceed.ImagePipeline', CLIENTS * EACH - QUOTA]]);
  const answered = await readFromEveryProcess(kiln.endpoint, key, created, PROCESSES);
  assert.deepEqual([...answered].sort(), [...pids].sort());
  // /metrics on any process counts the whole host's requests (the primary sums every process's).
  const scrape = await fetch(new URL('/metrics', kiln.endpoint));
  assert.equal(scrape.status, 200);
  const text = await scrape.text();
  assert.match(text, new RegExp(`^kiln_api_requests_total\\{action="CreateImagePipeline",code="Success"\\} ${QUOTA}$`, 'm'));
  assert.match(text, new RegExp(`^kiln_api_requests_total\\{action="CreateImagePipeline",code="QuotaExceed.ImagePipeline"\\} ${CLIENTS * EACH - QUOTA}$`, 'm'));
  return created;
}

async function drainsOnSigterm(kiln: KilnProcess, pids: number[]): Promise<void> {
  kiln.child.kill('SIGTERM');
  await exitsZero(kiln, pids);
}

async function exitsZero(kiln: KilnProcess, pids: number[]): Promise<void> {
  const { code, signal } = await kiln.exited;
  assert.deepEqual({ code, signal }, { code: 0, signal: null }, kiln.stderr());
  for (const pid of pids) assert.equal(alive(pid), false, `API process ${pid} is gone`);
}

// The two run side by side: each is mostly waiting for its processes to start.
describe('kiln serve --api-processes 4', { concurrency: 2 }, () => {
  test('SQLite: 4 API processes on one port, 16 clients creating at once: quota exact, no 5xx, every create read by every process; a killed process is replaced; SIGTERM refuses new connections, answers the request in flight, exits 0', async () => {
    const { kiln, dataDir, pids } = await startCluster({});
    const created = await loadAndReadBack(kiln, dataDir, pids);

    const [victim, ...others] = pids as [number, ...number[]];
    process.kill(victim, 'SIGKILL');
    const replacement = await waitForNewProcess(kiln.endpoint, new Set(pids));
    assert.match(kiln.stderr(), new RegExp(`API process ${victim} exited \\(signal SIGKILL\\); starting another in \\d+ ms`));
    const now = await readFromEveryProcess(kiln.endpoint, defaultCredentials(dataDir), created, PROCESSES);
    assert.deepEqual([...now].sort(), [...others, replacement].sort());

    // SIGTERM while a request is being served: no new connection is taken, and that request is
    // still answered before everything exits 0.
    const held = await heldRequest(kiln.endpoint, defaultCredentials(dataDir));
    await held.accepted;
    kiln.child.kill('SIGTERM');
    await waitUntilRefused(kiln.endpoint);
    const answer = await held.finish();
    assert.equal(answer.status, 200, answer.body);
    assert.match(answer.body, /"RegionId":"cn-hangzhou"/);
    await exitsZero(kiln, [...now]);
  });

  test('PostgreSQL: the same through 4 API processes on one database', async () => {
    db = await freshDatabase('kiln_cluster');
    const { kiln, dataDir, pids } = await startCluster({ KILN_DATABASE_URL: db.url });
    await loadAndReadBack(kiln, dataDir, pids);
    await drainsOnSigterm(kiln, pids);
  });
});
