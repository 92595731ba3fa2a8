import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { after, before, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import { openDialect, type SqlDialect } from '../../src/store/dialect.js';
import { migrateToLatest } from '../../src/store/migrations/index.js';
import { SqlStore } from '../../src/store/sql-store.js';
import { SQLITE_BUSY_RETRY_CHANNEL } from '../../src/store/sqlite-driver.js';

/*
 * Another process holding the SQLite file's write lock past the busy timeout (what a process
 * committing batch after batch does to another's busy handler on a loaded machine) must not
 * fail a write: BEGIN IMMEDIATE of a group-commit batch (transactions, unsynced nonce claims)
 * and an autocommit root write are run again until the lock is free. The holder is a worker
 * thread with its own connection (SQLite's file locks are the same between threads and
 * processes); it lets go only once the store has reported a busy retry, so the writes below
 * must have met SQLITE_BUSY first.
 */

let dir: string;
let dialect: SqlDialect;
let store: SqlStore;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-sqlite-busy-'));
  dialect = openDialect({ databaseUrl: `sqlite:${join(dir, 'kiln.db')}`, dataDir: dir });
  await migrateToLatest(dialect.db, dialect);
  await dialect.ready();
  // Give up waiting in SQLite's busy handler quickly, so the test meets SQLITE_BUSY in ms.
  await sql`pragma busy_timeout = 50`.execute(dialect.db);
  store = new SqlStore(dialect);
});

after(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

const HOLDER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.exec('begin immediate');
db.prepare('delete from signature_nonces where nonce_digest = ?').run('none');
parentPort.postMessage('locked');
parentPort.once('message', () => {
  db.exec('commit');
  db.close();
  parentPort.close();
});
`;

it('writes wait for another connection holding the write lock past the busy timeout, and succeed', async () => {
  const holder = new Worker(HOLDER, {
    eval: true,
    workerData: { module: createRequire(import.meta.url).resolve('better-sqlite3'), file: join(dir, 'kiln.db') },
  });
  const retried: string[] = [];
  const onRetry = (message: unknown) => {
    const { sql: text, code } = message as { sql: string; code: string };
    if (retried.length === 0) holder.postMessage('release');
    retried.push(`${code} ${text.split(' ').slice(0, 2).join(' ')}`);
  };
  try {
    assert.equal(await once(holder, 'message').then(([m]) => m), 'locked');
    subscribe(SQLITE_BUSY_RETRY_CHANNEL, onRetry);
    const expires = Date.now() + 60_000;
    const [claimed, inTransaction, unpinned] = await Promise.all([
      store.signatureNonces.claim('AK1', 'nonce-root', expires, Date.now()),
      store.transaction((tx) => tx.signatureNonces.claim('AK1', 'nonce-tx', expires, Date.now())),
      store.blobPins.unpin('e-none'),
    ]);
    assert.deepEqual([claimed, inTransaction, unpinned], [true, true, undefined]);
    assert.ok(retried.length > 0 && retried.every((r) => r.startsWith('SQLITE_BUSY')), retried.join('; '));
    // Both claims are committed: a second claim of each nonce is refused.
    assert.equal(await store.signatureNonces.claim('AK1', 'nonce-root', expires, Date.now()), false);
    assert.equal(await store.signatureNonces.claim('AK1', 'nonce-tx', expires, Date.now()), false);
  } finally {
    unsubscribe(SQLITE_BUSY_RETRY_CHANNEL, onRetry);
    holder.postMessage('release');
    await holder.terminate();
  }
});
