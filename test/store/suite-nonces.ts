import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uid, type SuiteContext } from './helpers.js';

/** Epoch ms past 2^32 (a bigint column that came back as a string or truncated shows). Far future: never pruned by the prune test. */
const T0 = 4_000_000_000_123;
/** The prune test's own era, long before T0. */
const P0 = 1_700_000_000_000;

export function nonceTests(ctx: SuiteContext): void {
  describe('signature nonces', () => {
    it('a nonce is claimed once per AccessKey until it expires', async () => {
      const n = ctx.store.signatureNonces;
      const ak = uid('ak');
      assert.equal(await n.claim(ak, 'nonce-1', T0 + 900_000, T0), true);
      assert.equal(await n.claim(ak, 'nonce-1', T0 + 900_000, T0), false);
      assert.equal(await n.claim(ak, 'nonce-1', T0 + 1_800_000, T0 + 899_999), false, 'still unexpired one ms before');
      assert.equal(await n.claim(ak, 'nonce-2', T0 + 900_000, T0), true, 'another nonce');
      assert.equal(await n.claim(uid('ak'), 'nonce-1', T0 + 900_000, T0), true, 'another AccessKey, same nonce');
      // At its expiry the record no longer counts; the new claim holds it for its own window.
      assert.equal(await n.claim(ak, 'nonce-1', T0 + 1_800_000, T0 + 900_000), true);
      assert.equal(await n.claim(ak, 'nonce-1', T0 + 2_000_000, T0 + 1_000_000), false);
    });

    it('is kept by the database: another store on it sees the claim', async () => {
      const ak = uid('ak');
      assert.equal(await ctx.store.signatureNonces.claim(ak, 'persisted', T0 + 900_000, T0), true);
      const other = await ctx.open();
      try {
        assert.equal(await other.signatureNonces.claim(ak, 'persisted', T0 + 900_000, T0 + 1), false);
      } finally {
        await other.close();
      }
    });

    it('concurrent claims of one nonce from two stores: exactly one wins', async () => {
      const a = await ctx.open();
      const b = await ctx.open();
      try {
        const ak = uid('ak');
        const nonces = Array.from({ length: 40 }, (_, i) => `race-${i}`);
        const results = await Promise.all(nonces.flatMap((nonce) => [
          a.signatureNonces.claim(ak, nonce, T0 + 900_000, T0).then((won) => ({ nonce, won })),
          b.signatureNonces.claim(ak, nonce, T0 + 900_000, T0).then((won) => ({ nonce, won })),
          a.signatureNonces.claim(ak, nonce, T0 + 900_000, T0).then((won) => ({ nonce, won })),
        ]));
        for (const nonce of nonces) {
          const winners = results.filter((r) => r.nonce === nonce && r.won).length;
          assert.equal(winners, 1, `${nonce}: ${winners} winners`);
        }
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('any nonce text works, however long, and nonces that differ only in case are different', async () => {
      const n = ctx.store.signatureNonces;
      const ak = uid('ak');
      const long = 'x'.repeat(16 * 1024);
      assert.equal(await n.claim(ak, long, T0 + 900_000, T0), true);
      assert.equal(await n.claim(ak, long, T0 + 900_000, T0), false);
      assert.equal(await n.claim(ak, `${long}y`, T0 + 900_000, T0), true);
      assert.equal(await n.claim(ak, 'Abc', T0 + 900_000, T0), true);
      assert.equal(await n.claim(ak, 'abc', T0 + 900_000, T0), true);
      assert.equal(await n.claim(ak, 'ünï\u0000cødé', T0 + 900_000, T0), true);
      assert.equal(await n.claim(ak, 'ünï\u0000cødé', T0 + 900_000, T0), false);
    });

    it('pruneExpired deletes expired records only, at most `limit` at a time', async () => {
      const n = ctx.store.signatureNonces;
      const ak = uid('ak');
      for (let i = 0; i < 7; i++) assert.equal(await n.claim(ak, `old-${i}`, P0 + 1_000 + i, P0), true);
      assert.equal(await n.claim(ak, 'young', P0 + 60_000, P0), true);
      const now = P0 + 10_000;
      assert.equal(await n.pruneExpired(now, 3), 3);
      assert.equal(await n.pruneExpired(now, 3), 3);
      assert.equal(await n.pruneExpired(now, 3), 1);
      assert.equal(await n.pruneExpired(now, 3), 0);
      assert.equal(await n.claim(ak, 'young', P0 + 70_000, now), false, 'an unexpired record survives the prune');
      assert.equal(await n.claim(ak, 'old-0', P0 + 70_000, now), true, 'a pruned record is free again');
    });

    it('a claim inside a transaction is undone with it', async () => {
      const ak = uid('ak');
      await assert.rejects(ctx.store.transaction(async (tx) => {
        assert.equal(await tx.signatureNonces.claim(ak, 'in-tx', T0 + 900_000, T0), true);
        throw new Error('roll back');
      }), /roll back/);
      assert.equal(await ctx.store.signatureNonces.claim(ak, 'in-tx', T0 + 900_000, T0), true);
    });
  });
}
