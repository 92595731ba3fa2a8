import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/domain/ports.js';
import { freePort, kilnEnv, REPO_ROOT, spawnKiln, type KilnProcess } from '../support/child.js';
import { freshDatabase, type FreshDatabase } from '../support/pg.js';
import { createPipeline } from '../support/ecs-requests.js';
import { assertNoLeftovers, clientAt, defaultCredentials, isTerminal, logsOf, startExecution, waitForExecution } from '../support/builds.js';

/*
 * On PostgreSQL, `kiln serve` (API only, KILN_WORKERS=0) and two `kiln worker` processes
 * (two workers each) share one database and data dir. Four templates started at once all
 * build, and no execution runs twice: each log has exactly one line per stage and per step.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'kiln-e2e-pg-'));
let db: FreshDatabase;
let api: KilnProcess | undefined;
const workers: ChildProcess[] = [];

/** `kiln worker` as a child process; resolves once it printed that its workers started. */
function spawnWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'main', 'cli.ts'), 'worker'], { cwd: REPO_ROOT, env: kilnEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  workers.push(child);
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (out.includes('Kiln worker(s) started')) resolve(child);
    });
    child.on('exit', (code, signal) => reject(new Error(`kiln worker exited (${code ?? signal}) before starting; stderr:\n${err}\nstdout:\n${out}`)));
  });
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

before(async () => {
  db = await freshDatabase('kiln_e2e');
});
after(async () => {
  for (const w of workers) await stopWorker(w);
  await api?.kill('SIGTERM');
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('PostgreSQL with several worker processes', () => {
  test('4 executions started at once over 2 worker processes: all SUCCESS, each built exactly once', async () => {
    const env = { KILN_DATA_DIR: dataDir, KILN_DATABASE_URL: db.url, KILN_LEASE_MS: '10000' };
    api = await spawnKiln({ ...env, KILN_PORT: String(await freePort()), KILN_WORKERS: '0' });
    await Promise.all([spawnWorker({ ...env, KILN_WORKERS: '2' }), spawnWorker({ ...env, KILN_WORKERS: '2' })]);
    const v3 = clientAt(api.endpoint, defaultCredentials(dataDir));

    const pipelineIds = await Promise.all([1, 2, 3, 4].map((n) => createPipeline(v3, {
      buildContent: `RUN echo build-${n}-step-1 > /one\nRUN echo build-${n}-step-2 && cat /one`,
    })));
    const executionIds = await Promise.all(pipelineIds.map((id) => startExecution(v3, id)));
    const ends = await Promise.all(executionIds.map((id) => waitForExecution(v3, id, isTerminal, 'a terminal status')));
    for (const { item } of ends) assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    assert.equal(new Set(ends.map((e) => e.item.imageId)).size, 4, 'four images');

    const store: Store = await createStore({ dataDir, databaseUrl: db.url });
    try {
      for (const [i, executionId] of executionIds.entries()) {
        const logs = await logsOf(store, executionId);
        const count = (re: RegExp) => (logs.match(re) ?? []).length;
        assert.equal(count(/^\[BUILDING\] /gm), 1, `one [BUILDING] line in:\n${logs}`);
        assert.equal(count(/^\[PREPARING\] /gm), 1, `one [PREPARING] line in:\n${logs}`);
        assert.equal(count(/^--> line 1: /gm), 1);
        assert.equal(count(/^--> line 2: /gm), 1);
        assert.equal(count(new RegExp(`^build-${i + 1}-step-2$`, 'gm')), 1, 'the step ran once');
        assert.equal(count(/build-\d-step/g) - count(new RegExp(`build-${i + 1}-step`, 'g')), 0, 'no other build\'s output');
        await assertNoLeftovers(dataDir, executionId);
      }
    } finally {
      await store.close();
    }
  });
});
