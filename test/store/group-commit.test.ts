import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { GroupCommit } from '../../src/store/group-commit.js';
import { KilnSqliteDialect, StatementCache } from '../../src/store/sqlite-driver.js';

/*
 * The SQLite group commit on its own: a throwing unit loses only its own writes, callers are
 * resolved only after the shared COMMIT, a failed COMMIT rejects the whole batch, batches are
 * capped, and each unit runs in its caller's async context.
 */

interface T {
  items: { name: string };
  children: { name: string; parent: string };
}

let dir: string;
let sqlite: Database.Database;
let db: Kysely<T>;
/** A second connection on the same file: sees only what is committed. */
let reader: Database.Database;
let statements: string[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-group-commit-'));
  const file = join(dir, 'g.db');
  sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  db = new Kysely<T>({
    dialect: new KilnSqliteDialect(sqlite),
    log: (event) => {
      if (event.level === 'query') statements.push(event.query.sql);
    },
  });
  await sql`create table items (name text primary key)`.execute(db);
  // Checked at COMMIT: a dangling child makes the COMMIT itself fail.
  await sql`create table children (name text primary key, parent text not null references items (name) deferrable initially deferred)`.execute(db);
  reader = new Database(file, { readonly: true });
});

after(async () => {
  reader.close();
  await db.destroy();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await sql`delete from children`.execute(db);
  await sql`delete from items`.execute(db);
  statements = [];
});

const committed = (name: string) => reader.prepare('select 1 from items where name = ?').get(name) !== undefined;
const commits = () => statements.filter((s) => s === 'commit').length;
const insert = (trx: Kysely<T>, name: string) => trx.insertInto('items').values({ name }).execute();

describe('GroupCommit', () => {
  it('runs queued transactions in one batch; a throwing one loses only its own writes', async () => {
    const g = new GroupCommit<T>({ db, inTransaction: () => sqlite.inTransaction });
    const seenAtResolve: boolean[] = [];
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => g.run(async (trx) => {
      await insert(trx, `a${i}`);
      if (i % 3 === 1) throw new Error(`unit ${i} fails`);
      if (i % 3 === 2) await insert(trx, 'a0'); // a unique violation: a database error
      await insert(trx, `b${i}`);
      return i;
    }).then((v) => {
      seenAtResolve.push(committed(`a${i}`));
      return v;
    })));
    assert.equal(commits(), 1, 'one COMMIT for the whole batch');
    for (const [i, r] of results.entries()) {
      if (i % 3 === 0) {
        assert.deepEqual(r, { status: 'fulfilled', value: i });
        assert.ok(committed(`a${i}`) && committed(`b${i}`));
      } else {
        assert.equal(r.status, 'rejected');
        if (i % 3 === 1) assert.equal((r as PromiseRejectedResult).reason.message, `unit ${i} fails`);
        else assert.equal((r as PromiseRejectedResult).reason.code, 'SQLITE_CONSTRAINT_PRIMARYKEY');
        assert.ok(!committed(`a${i}`) && !committed(`b${i}`), `unit ${i} left nothing behind`);
      }
    }
    assert.deepEqual(seenAtResolve, [true, true, true, true], 'every caller was resolved after the COMMIT');
  });

  it('a unit sees the writes of the units before it in its batch', async () => {
    const g = new GroupCommit<T>({ db, inTransaction: () => sqlite.inTransaction });
    const counts = await Promise.all(Array.from({ length: 5 }, (_, i) => g.run(async (trx) => {
      const n = (await trx.selectFrom('items').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n;
      await insert(trx, `c${i}`);
      return Number(n);
    })));
    assert.deepEqual(counts, [0, 1, 2, 3, 4]);
    assert.equal(commits(), 1);
  });

  it('a failed COMMIT rejects every caller of the batch and writes nothing', async () => {
    const g = new GroupCommit<T>({ db, inTransaction: () => sqlite.inTransaction });
    const results = await Promise.allSettled([
      g.run((trx) => insert(trx, 'ok1')),
      g.run(async (trx) => {
        await trx.insertInto('children').values({ name: 'orphan', parent: 'nobody' }).execute();
      }),
      g.run((trx) => insert(trx, 'ok2')),
    ]);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.equal((r as PromiseRejectedResult).reason.code, 'SQLITE_CONSTRAINT_FOREIGNKEY');
    }
    assert.ok(!committed('ok1') && !committed('ok2'));
    assert.equal(sqlite.inTransaction, false);
    // The queue goes on.
    assert.equal(await g.run(async (trx) => {
      await insert(trx, 'after');
      return 'fine';
    }), 'fine');
    assert.ok(committed('after'));
  });

  it('caps a batch at maxBatch', async () => {
    const g = new GroupCommit<T>({ db, inTransaction: () => sqlite.inTransaction, maxBatch: 4 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => g.run((trx) => insert(trx, `d${i}`))));
    assert.equal(commits(), 3);
  });

  it('runs each unit in the async context of its caller', async () => {
    const g = new GroupCommit<T>({ db, inTransaction: () => sqlite.inTransaction });
    const als = new AsyncLocalStorage<number>();
    const seen = await Promise.all(Array.from({ length: 6 }, (_, i) => als.run(i, () => g.run(async (trx) => {
      await insert(trx, `e${i}`);
      return als.getStore();
    }))));
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5]);
  });

  it('drained() waits for queued work', async () => {
    const g = new GroupCommit<T>({ db, inTransaction: () => sqlite.inTransaction });
    const pending = Array.from({ length: 3 }, (_, i) => g.run((trx) => insert(trx, `f${i}`)));
    await g.drained();
    assert.ok(committed('f0') && committed('f2'));
    await Promise.all(pending);
  });

  it('a batch of only unsynced units commits at synchronous=NORMAL; one synced unit makes the batch FULL', async () => {
    const g = new GroupCommit<T>({ db, inTransaction: () => sqlite.inTransaction });
    // 1 = NORMAL, 2 = FULL; read inside the unit, i.e. the level its batch commits at.
    const level = () => sqlite.pragma('synchronous', { simple: true }) as number;
    const unsynced = await Promise.all([0, 1].map((i) => g.run(async (trx) => {
      await insert(trx, `u${i}`);
      return level();
    }, { sync: false })));
    assert.deepEqual(unsynced, [1, 1]);
    assert.ok(committed('u0') && committed('u1'));
    const mixed = await Promise.all([
      g.run(async (trx) => { await insert(trx, 'm0'); return level(); }, { sync: false }),
      g.run(async (trx) => { await insert(trx, 'm1'); return level(); }),
    ]);
    assert.deepEqual(mixed, [2, 2]);
    assert.equal(await g.run(async () => level()), 2);
    assert.equal(await g.run(async () => level(), { sync: false }), 1);
    assert.equal(await g.run(async () => level()), 2, 'a synced batch after an unsynced one is FULL again');
  });

  it('the connection is back at synchronous=FULL once an unsynced batch ends, for writes outside the group commit', async () => {
    const g = new GroupCommit<T>({ db, inTransaction: () => sqlite.inTransaction });
    const level = async () => Number(Object.values((await sql<Record<string, unknown>>`pragma synchronous`.execute(db)).rows[0] ?? {})[0]);
    // A nonce claim (unsynced), then what a root repository does with a single statement: an
    // autocommit write on the same connection, acknowledged once SQLite returns. It must be fsynced.
    await g.run((trx) => insert(trx, 'claim'), { sync: false });
    assert.equal(await level(), 2, 'after a committed unsynced batch');
    await insert(db, 'autocommit');
    assert.equal(await level(), 2);
    // The same when the unsynced batch fails: a unit that throws, and a COMMIT that fails.
    await assert.rejects(g.run(async () => { throw new Error('unit fails'); }, { sync: false }), /unit fails/);
    assert.equal(await level(), 2, 'after an unsynced batch whose unit threw');
    await assert.rejects(g.run((trx) => trx.insertInto('children').values({ name: 'orphan2', parent: 'nobody' }).execute(), { sync: false }));
    assert.equal(sqlite.inTransaction, false);
    assert.equal(await level(), 2, 'after an unsynced batch whose COMMIT failed');
  });
});

describe('StatementCache', () => {
  it('prepares each SQL text once and drops the least recently used past its capacity', () => {
    const mem = new Database(':memory:');
    try {
      const cache = new StatementCache(mem, 2);
      const a = cache.get('select 1');
      assert.equal(cache.get('select 1'), a);
      cache.get('select 2');
      cache.get('select 1'); // now the most recently used
      cache.get('select 3'); // drops 'select 2'
      assert.equal(cache.size, 2);
      assert.equal(cache.get('select 1'), a);
    } finally {
      mem.close();
    }
  });
});
