import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { kilnFixture, newAccessKey } from '../support/kiln-fixture.js';
import { freshDatabase } from '../support/pg.js';

/*
 * Console security cases found in review, over real HTTP against a real `kiln serve` on
 * PostgreSQL (its store reads are real I/O, so concurrent requests interleave as in
 * production). The test process is a trusted proxy: each request names its client address.
 */

const db = await freshDatabase('kiln_console_sec');
after(() => db.drop());
const fx = kilnFixture({ KILN_DATABASE_URL: db.url, KILN_TRUST_PROXY: '127.0.0.1' });
const SESSION = '/console/api/session';

function signIn(from: string, body: string, contentType = 'application/json'): Promise<Response> {
  return fetch(`${fx.kiln.endpoint}${SESSION}`, { method: 'POST', headers: { 'content-type': contentType, 'x-forwarded-for': from }, body });
}

test('a burst of concurrent wrong sign-ins for one AccessKey id gets no more than the throttle\'s 10 tries', async () => {
  const { accessKeyId, accessKeySecret } = await newAccessKey(fx.kiln);
  const statuses = await Promise.all(Array.from({ length: 40 }, (_, i) =>
    signIn(`198.18.0.${i + 1}`, JSON.stringify({ AccessKeyId: accessKeyId, AccessKeySecret: `guess${i}` })).then(async (r) => {
      await r.arrayBuffer();
      return r.status;
    })));
  assert.equal(statuses.filter((s) => s === 401).length, 10, `answers: ${statuses.join(' ')}`);
  assert.equal(statuses.filter((s) => s === 429).length, 30);
  const right = await signIn('198.18.1.1', JSON.stringify({ AccessKeyId: accessKeyId, AccessKeySecret: accessKeySecret }));
  assert.equal(right.status, 429, 'the id stays throttled');
});
