import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiProcess, BACKENDS, CREDS, signedAt } from './support/clocked-auth.js';

/*
 * Pruning of stored nonces must not trust the pruning process's clock. API processes share
 * the nonces in one database; each prunes expired records now and then, by its own clock. A
 * process whose clock runs ahead used to delete records the others still treated as live
 * (`expires_at <= its now`), and a captured request was then accepted again by a process with
 * a correct clock while its timestamp was still inside the window. Records are now pruned
 * only once they expired more than a whole signature window ago, so a clock must run more
 * than 15 minutes ahead (and refuse every correct request itself) to do harm.
 */

const MIN = 60_000;
const T = new Date('2031-03-01T08:00:00Z');
const at = (ms: number) => new Date(T.getTime() + ms);

for (const backend of BACKENDS) {
  describe(backend.name, () => {
    test('a process whose clock runs 10 minutes ahead prunes no record another process still treats as live', async () => {
      const { store, close } = await backend.open();
      try {
        const captured = signedAt(T);
        const a = new ApiProcess(store, T);
        assert.equal(await a.send(captured), 'ok');

        // 14 minutes later (the captured request is still inside the window for a correct
        // clock), a process whose clock reads 10 minutes ahead serves a request and prunes.
        const fast = new ApiProcess(store, at(24 * MIN));
        assert.equal(await fast.send(signedAt(at(24 * MIN))), 'ok');
        await fast.close();

        // The replay, to a process with a correct clock that never saw the nonce.
        const b = new ApiProcess(store, at(14 * MIN));
        assert.equal(await b.send(captured), 'SignatureNonceUsed');
        assert.equal(await a.send(captured), 'SignatureNonceUsed');
        await a.close();
        await b.close();
      } finally {
        await close();
      }
    });

    test('records are pruned once they expired a whole window ago, not before', async () => {
      const { store, close } = await backend.open();
      try {
        const nonce = 'pruned-after-a-window';
        const first = new ApiProcess(store, T);
        assert.equal(await first.send(signedAt(T, nonce)), 'ok');
        await first.close();
        // Whether the record is still stored: a claim made "at T" succeeds only if it is gone.
        const stored = async () => !(await store.signatureNonces.claim(CREDS.accessKeyId, nonce, at(15 * MIN).getTime(), T.getTime()));

        // It expired at T+15 min. A prune at T+30 min - 1 ms keeps it, one at T+30 min deletes it.
        const early = new ApiProcess(store, at(30 * MIN - 1));
        assert.equal(await early.send(signedAt(at(30 * MIN - 1))), 'ok');
        await early.close();
        assert.equal(await stored(), true, 'kept until it expired a window ago');
        const due = new ApiProcess(store, at(30 * MIN));
        assert.equal(await due.send(signedAt(at(30 * MIN))), 'ok');
        await due.close();
        assert.equal(await stored(), false, 'pruned once it expired a window ago');
      } finally {
        await close();
      }
    });
  });
}
