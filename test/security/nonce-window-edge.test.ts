import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiProcess, BACKENDS, signedAt } from './support/clocked-auth.js';

/*
 * No instant both accepts a request's time and lets its nonce be taken over. A request time t
 * was accepted while |now - t| <= 15 min (inclusive) and a nonce record, kept until
 * max(now, t) + 15 min, could be taken over once `expires_at <= now`: a request claimed at or
 * before its own time t (a client clock ahead of the server's, up to 15 minutes) could be
 * replayed at exactly t + 15 min, in that millisecond. The window is now exclusive
 * (|now - t| < 15 min), so at t + 15 min the time is refused before the nonce is looked at.
 */

const MIN = 60_000;
const WINDOW = 15 * MIN;
const T = new Date('2031-03-01T08:00:00Z');
const at = (ms: number) => new Date(T.getTime() + ms);

for (const backend of BACKENDS) {
  describe(backend.name, () => {
    // Request time T; first served at T - ahead (the client's clock was `ahead` ahead of the server's).
    for (const ahead of [0, 1_000, 14 * MIN + 59_000]) {
      test(`a request timed ${ahead / 1000} s ahead of the server is not served twice at any instant around T + 15 min`, async () => {
        const { store, close } = await backend.open();
        try {
          const captured = signedAt(T);
          const first = new ApiProcess(store, at(-ahead));
          assert.equal(await first.send(captured), 'ok');
          for (const offset of [-1, 0, 1]) {
            const when = at(WINDOW + offset);
            // The process that served it (memo and store) and a fresh one (store only).
            first.clock = when;
            const fresh = new ApiProcess(store, when);
            const results = [await first.send(captured), await fresh.send(captured)];
            await fresh.close();
            assert.ok(!results.includes('ok'), `served again at T + 15 min ${offset >= 0 ? '+' : '-'} ${Math.abs(offset)} ms: ${results.join(', ')}`);
            assert.deepEqual(results, offset < 0 ? ['SignatureNonceUsed', 'SignatureNonceUsed'] : ['InvalidTimeStamp.Expired', 'InvalidTimeStamp.Expired']);
          }
          await first.close();
        } finally {
          await close();
        }
      });
    }

    test('the window is exclusive at both ends', async () => {
      const { store, close } = await backend.open();
      try {
        const server = new ApiProcess(store, T);
        assert.equal(await server.send(signedAt(at(-WINDOW))), 'InvalidTimeStamp.Expired');
        assert.equal(await server.send(signedAt(at(WINDOW))), 'InvalidTimeStamp.Expired');
        assert.equal(await server.send(signedAt(at(-WINDOW + 1_000))), 'ok');
        assert.equal(await server.send(signedAt(at(WINDOW - 1_000))), 'ok');
        await server.close();
      } finally {
        await close();
      }
    });
  });
}
