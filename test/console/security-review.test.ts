import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { CONSOLE_SECURITY_HEADERS } from '../../src/api/console/static-files.js';
import { signedGet } from '../../src/cli/signed-get.js';
import { consoleFetch, consoleSignIn } from '../support/console.js';
import { clientAt, startExecution } from '../support/builds.js';
import { BUSYBOX, createPipeline } from '../support/ecs-requests.js';
import { REGION } from '../support/kiln.js';
import { kilnFixture, newAccessKey } from '../support/kiln-fixture.js';
import { freshDatabase } from '../support/pg.js';

/*
 * Console security cases found in review, over real HTTP against a real `kiln serve` on
 * PostgreSQL (its store reads are real I/O, so concurrent requests interleave as in
 * production). The test process is a trusted proxy: each request names its client address.
 */

const db = await freshDatabase('kiln_console_sec');
const fx = kilnFixture({ KILN_DATABASE_URL: db.url, KILN_TRUST_PROXY: '127.0.0.1' });
// Registered after the fixture's own hook: the Kiln stops before its database goes.
after(() => db.drop());
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

test('sign-in takes only application/json: a cross-site form (text/plain, urlencoded) whose body parses as JSON signs nobody in', async () => {
  const { accessKeyId, accessKeySecret } = await newAccessKey(fx.kiln);
  const body = JSON.stringify({ AccessKeyId: accessKeyId, AccessKeySecret: accessKeySecret });
  for (const [i, type] of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'].entries()) {
    const res = await signIn(`198.18.2.${i + 1}`, body, type);
    const answer = await res.json() as { Code?: string };
    assert.deepEqual([res.status, answer.Code, res.headers.get('set-cookie')], [400, 'InvalidParameter', null], type);
  }
  assert.equal((await signIn('198.18.2.9', body, 'application/json; charset=utf-8')).status, 200);
});

test('the console\'s security headers also on a percent-encoded /console path (it is routed to the same files)', async () => {
  for (const path of ['/%63onsole/', '/%63onsole/templates', '/c%6fnsole/api/session']) {
    const res = await fetch(`${fx.kiln.endpoint}${path}`);
    await res.arrayBuffer();
    for (const [name, value] of Object.entries(CONSOLE_SECURITY_HEADERS)) assert.equal(res.headers.get(name), value, `${name} of ${path}`);
  }
});

test('a followed log stream ends when its session does (sign-out), not when the build does', async () => {
  const { accessKeyId, accessKeySecret } = await newAccessKey(fx.kiln);
  const s = await consoleSignIn(fx.kiln.endpoint, accessKeyId, accessKeySecret);
  const call = async (Action: string, Parameters: Record<string, string>) => {
    const res = await consoleFetch(fx.kiln.endpoint, s, '/console/api/call', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Action, Parameters }) });
    const body = await res.json() as Record<string, string>;
    assert.equal(res.status, 200, JSON.stringify(body));
    return body;
  };
  const template = await call('CreateImagePipeline', { RegionId: REGION, BaseImageType: 'IMAGE', BaseImage: BUSYBOX, Name: 'sec-stream', BuildContent: 'RUN echo hi' });
  // No worker runs in this Kiln: the execution stays queued and a followed stream stays open.
  const { ExecutionId } = await call('StartImagePipelineExecution', { RegionId: REGION, ImagePipelineId: String(template.ImagePipelineId) });
  const stream = await consoleFetch(fx.kiln.endpoint, s, `/console/api/executions/${ExecutionId}/logs?follow=true`);
  assert.equal(stream.status, 200);
  const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
  const ended = (async () => {
    try {
      while (!(await reader.read()).done);
    } catch {
      // Cut: ended all the same.
    }
    return true;
  })();
  assert.equal((await consoleFetch(fx.kiln.endpoint, s, SESSION, { method: 'DELETE' })).status, 200);
  const deadline = new Promise<false>((resolve) => setTimeout(() => resolve(false), 15_000).unref());
  const cut = await Promise.race([ended, deadline]);
  await reader.cancel().catch(() => undefined);
  assert.equal(cut, true, 'the stream still delivers after sign-out');
});

test('one AccessKey holds at most 50 live sessions: each sign-in past that ends its oldest', async () => {
  const { accessKeyId, accessKeySecret } = await newAccessKey(fx.kiln);
  const first = await consoleSignIn(fx.kiln.endpoint, accessKeyId, accessKeySecret);
  const second = await consoleSignIn(fx.kiln.endpoint, accessKeyId, accessKeySecret);
  for (let i = 0; i < 49; i++) await consoleSignIn(fx.kiln.endpoint, accessKeyId, accessKeySecret);
  const status = async (s: typeof first) => (await consoleFetch(fx.kiln.endpoint, s, SESSION)).status;
  assert.deepEqual([await status(first), await status(second)], [401, 200], 'the oldest of 51 ended, the next kept');
});

test('a followed signed log stream ends when its AccessKey is disabled, not when the build does', async () => {
  const key = await newAccessKey(fx.kiln);
  const client = clientAt(fx.kiln.endpoint, key);
  // No worker runs in this Kiln: the execution stays queued and a followed stream stays open.
  const executionId = await startExecution(client, await createPipeline(client));
  const res = await signedGet(fx.kiln.endpoint, `/kiln/v1/executions/${executionId}/logs`, { follow: 'true' }, { id: key.accessKeyId, secret: key.accessKeySecret });
  assert.equal(res.statusCode, 200);
  res.resume();
  const ended = new Promise<true>((resolve) => res.once('close', () => resolve(true)));
  await fx.kiln.app.store.accessKeys.setStatus(key.accessKeyId, 'Inactive');
  const deadline = new Promise<false>((resolve) => setTimeout(() => resolve(false), 15_000).unref());
  const cut = await Promise.race([ended, deadline]);
  res.destroy();
  assert.equal(cut, true, 'the stream still delivers after its AccessKey was disabled');
});
