import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { createServer } from '../../src/api/server.js';
import type { StoreHealth } from '../../src/domain/store-health.js';
import { startKiln, type TestKiln } from '../support/kiln.js';
import { freshDatabase, type FreshDatabase } from '../support/pg.js';

/*
 * /healthz (the process is up) and /readyz (the store answers, every migration is applied, the
 * process is not draining) on a real Kiln, with each way of being unready made for real: rows of
 * the migration table removed, the PostgreSQL database dropped, the process draining.
 */

const running: TestKiln[] = [];
let db: FreshDatabase | undefined;
after(async () => {
  for (const k of running) await k.stop();
  await db?.drop();
});

async function probe(endpoint: string, path: '/healthz' | '/readyz'): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(new URL(path, endpoint));
  assert.equal(res.headers.get('cache-control'), 'no-store');
  return { status: res.status, body: await res.json() as Record<string, unknown> };
}

async function kiln(env: Record<string, string> = {}): Promise<TestKiln> {
  const k = await startKiln(env);
  running.push(k);
  return k;
}

test('SQLite: both 200 when up; /readyz 503 "migrations pending" while a migration is missing, 200 again once it is back', async () => {
  const k = await kiln();
  assert.deepEqual(await probe(k.endpoint, '/healthz'), { status: 200, body: { status: 'ok', pid: process.pid } });
  assert.deepEqual(await probe(k.endpoint, '/readyz'), { status: 200, body: { status: 'ready' } });

  const file = new Database(join(k.config.dataDir, 'kiln.db'));
  try {
    file.pragma('busy_timeout = 10000');
    const last = file.prepare('select name, timestamp from kysely_migration order by name desc limit 1').get() as { name: string; timestamp: string };
    file.prepare('delete from kysely_migration where name = ?').run(last.name);
    assert.deepEqual(await probe(k.endpoint, '/readyz'), { status: 503, body: { status: 'unready', reason: 'migrations pending' } });
    assert.equal((await probe(k.endpoint, '/healthz')).status, 200, 'still alive');
    file.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run(last.name, last.timestamp);
  } finally {
    file.close();
  }
  assert.deepEqual(await probe(k.endpoint, '/readyz'), { status: 200, body: { status: 'ready' } });
});

test('PostgreSQL: /readyz 503 "store unreachable" once the database is gone, /healthz still 200', async () => {
  db = await freshDatabase('kiln_ready');
  const k = await kiln({ KILN_DATABASE_URL: db.url });
  assert.deepEqual(await probe(k.endpoint, '/readyz'), { status: 200, body: { status: 'ready' } });
  await db.drop();
  assert.deepEqual(await probe(k.endpoint, '/readyz'), { status: 503, body: { status: 'unready', reason: 'store unreachable' } });
  assert.equal((await probe(k.endpoint, '/healthz')).status, 200);
});

test('a draining process answers /readyz 503 "draining" (its store still fine) and /healthz 200', async () => {
  const k = await kiln();
  let draining = false;
  // The app's store is the SqlStore boot opened, which is the StoreHealth serve() wires.
  const server = await createServer(k.app, { health: { store: k.app.store as unknown as StoreHealth, draining: () => draining } });
  try {
    const address = await server.listen({ host: '127.0.0.1', port: 0 });
    assert.equal((await probe(address, '/readyz')).status, 200);
    draining = true;
    assert.deepEqual(await probe(address, '/readyz'), { status: 503, body: { status: 'unready', reason: 'draining' } });
    assert.equal((await probe(address, '/healthz')).status, 200);
  } finally {
    await server.close();
  }
});
