import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { ConsoleSession } from '../../src/domain/console-session.js';
import { uid, type SuiteContext } from './helpers.js';

/** Epoch ms past 2^32 (a bigint column that came back as a string or truncated shows); never pruned by the prune test. */
const T0 = 4_000_000_000_123;
/** The prune test's own era, long before T0. */
const P0 = 1_700_000_000_000;

function session(at: number, lifetimeMs = 43_200_000): ConsoleSession {
  return {
    tokenDigest: createHash('sha256').update(uid('token')).digest('hex'),
    accountId: uid('acct'),
    accessKeyId: uid('LTAI'),
    createdAt: at,
    lastUsedAt: at,
    expiresAt: at + lifetimeMs,
  };
}

export function consoleSessionTests(ctx: SuiteContext): void {
  describe('console sessions', () => {
    it('a created session reads back whole until its absolute expiry, from this store and another', async () => {
      const s = ctx.store.consoleSessions;
      const created = session(T0);
      await s.create(created);
      assert.deepEqual(await s.getLive(created.tokenDigest, T0 + 1), created);
      assert.deepEqual(await s.getLive(created.tokenDigest, created.expiresAt - 1), created);
      assert.equal(await s.getLive(created.tokenDigest, created.expiresAt), undefined, 'not live at its expiry');
      assert.equal(await s.getLive(session(T0).tokenDigest, T0), undefined, 'unknown digest');
      const other = await ctx.open();
      try {
        assert.deepEqual(await other.consoleSessions.getLive(created.tokenDigest, T0 + 1), created);
      } finally {
        await other.close();
      }
    });

    it('touch writes the last use only when the stored one is at or before notAfter', async () => {
      const s = ctx.store.consoleSessions;
      const created = session(T0);
      await s.create(created);
      assert.equal(await s.touch(created.tokenDigest, T0 + 40_000, T0 + 10_000), true);
      assert.equal((await s.getLive(created.tokenDigest, T0 + 40_000))?.lastUsedAt, T0 + 40_000);
      // A second touch within the interval (another request, another process) finds it fresh.
      assert.equal(await s.touch(created.tokenDigest, T0 + 45_000, T0 + 15_000), false);
      assert.equal((await s.getLive(created.tokenDigest, T0 + 45_000))?.lastUsedAt, T0 + 40_000);
      assert.equal(await s.touch(session(T0).tokenDigest, T0 + 45_000, T0 + 45_000), false, 'no such session');
    });

    it('end deletes the session: it is gone for every reader, and a second end finds nothing', async () => {
      const s = ctx.store.consoleSessions;
      const created = session(T0);
      await s.create(created);
      assert.equal(await s.end(created.tokenDigest), true);
      assert.equal(await s.getLive(created.tokenDigest, T0 + 1), undefined);
      assert.equal(await s.end(created.tokenDigest), false);
      assert.equal(await s.touch(created.tokenDigest, T0 + 1, T0 + 1), false);
    });

    it('prune deletes expired and idle sessions only, at most `limit` of each kind at a time', async () => {
      const s = ctx.store.consoleSessions;
      const now = P0 + 100_000;
      // Expired but recently used, and idle but within their lifetime: each kind found by its own index.
      const expired = Array.from({ length: 3 }, (_, i) => ({ ...session(P0 + i, 1_000), lastUsedAt: now - 1_000 + i }));
      const idle = Array.from({ length: 3 }, (_, i) => ({ ...session(P0 + i), expiresAt: T0 }));
      const live = { ...session(now - 1_000), expiresAt: T0 };
      for (const x of [...expired, ...idle, live]) await s.create(x);
      const idleCutoff = now - 50_000;
      assert.equal(await s.prune(now, idleCutoff, 2), 4, 'two of each kind');
      assert.equal(await s.prune(now, idleCutoff, 2), 2);
      assert.equal(await s.prune(now, idleCutoff, 2), 0);
      assert.deepEqual(await s.getLive(live.tokenDigest, now), live, 'a live session survives');
      for (const x of [...expired, ...idle]) assert.equal(await s.getLive(x.tokenDigest, now), undefined);
    });

    it('endOldest ends an AccessKey\'s sessions but its newest, and no other key\'s', async () => {
      const s = ctx.store.consoleSessions;
      const key = uid('LTAI');
      const mine = [3, 1, 4, 2].map((i) => ({ ...session(T0 + i), accessKeyId: key }));
      const other = session(T0);
      for (const x of [...mine, other]) await s.create(x);
      assert.equal(await s.endOldest(key, 2), 2);
      assert.deepEqual(await Promise.all(mine.map(async (x) => (await s.getLive(x.tokenDigest, T0 + 5)) !== undefined)), [true, false, true, false]);
      assert.deepEqual(await s.getLive(other.tokenDigest, T0 + 5), other);
      assert.equal(await s.endOldest(key, 2), 0);
    });

    it('a session created inside a transaction is undone with it', async () => {
      const created = session(T0);
      await assert.rejects(ctx.store.transaction(async (tx) => {
        await tx.consoleSessions.create(created);
        throw new Error('roll back');
      }), /roll back/);
      assert.equal(await ctx.store.consoleSessions.getLive(created.tokenDigest, T0), undefined);
    });
  });
}
