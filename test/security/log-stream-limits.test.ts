import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { createAccount } from '../../src/auth/accounts.js';
import { signedGet } from '../../src/cli/signed-get.js';
import { runShell } from '../support/child.js';
import { REGION, startKiln, type TestKiln } from '../support/kiln.js';
import { createPipeline } from '../support/ecs-requests.js';
import { clientAt, startExecution } from '../support/builds.js';
import { fillLog, readToEnd, signedRequestHead, stalledReader, type Key } from './support/log-stream-clients.js';

/*
 * One tenant cannot tie up the log endpoint (issue 8, item 7): an account holds a bounded
 * number of log streams at once (KILN_LOG_STREAMS_PER_ACCOUNT, 16 by default; past it
 * Throttling.User), and a reader that takes nothing for KILN_LOG_STREAM_IDLE_MS is let go, its
 * place freed; `kiln logs` picks up where it was cut, so a slow pipe still gets every byte.
 */

/** Chunks of 64 KiB in the large log: 32 MiB. */
const ROWS = 512;

async function bodyOf(res: IncomingMessage): Promise<string> {
  let text = '';
  for await (const c of res) text += c;
  return text;
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const sign = (k: Key) => ({ id: k.accessKeyId, secret: k.accessKeySecret });
const logsPath = (executionId: string) => `/kiln/v1/executions/${executionId}/logs`;

describe('log streams per account', () => {
  let kiln: TestKiln;
  before(async () => {
    kiln = await startKiln(); // the default limit
  });
  after(async () => {
    await kiln?.stop();
  });

  test('an account holds at most 16 log streams at once by default: the 17th is refused with Throttling.User, another account still streams, and a closed stream frees its place', async () => {
    const key: Key = { accessKeyId: kiln.credentials.accessKeyId, accessKeySecret: kiln.credentials.accessKeySecret };
    // No worker: the execution stays queued, so every follow stream stays open, waiting for output.
    const executionId = await startExecution(kiln.clients.v3, await createPipeline(kiln.clients.v3));
    await kiln.app.store.executionLogs.append(executionId, [{ stream: 'system', text: 'queued\n', time: now() }]);
    const open: IncomingMessage[] = [];
    try {
      for (let i = 0; i < 16; i++) {
        const res = await signedGet(kiln.endpoint, logsPath(executionId), { follow: 'true' }, sign(key));
        open.push(res);
        assert.equal(res.statusCode, 200, `stream ${i + 1}`);
      }
      const refused = await signedGet(kiln.endpoint, logsPath(executionId), { follow: 'true' }, sign(key));
      open.push(refused);
      assert.equal(refused.statusCode, 400, 'the 17th stream is refused');
      const error = JSON.parse(await bodyOf(refused)) as { Code: string; Message: string; RequestId: string };
      assert.equal(error.Code, 'Throttling.User');
      assert.match(error.Message, /16 log streams/);
      assert.match(error.RequestId, /^[0-9A-F-]{36}$/);

      // The limit is the account's own: another account streams meanwhile.
      const made = await createAccount(kiln.app.store, kiln.config.regions.map((r) => r.regionId), { name: 'log-tenant' });
      const otherKey: Key = { accessKeyId: made.accessKey.id, accessKeySecret: made.accessKey.secret };
      const otherExecution = await startExecution(clientAt(kiln.endpoint, otherKey), await createPipeline(clientAt(kiln.endpoint, otherKey)));
      await kiln.app.store.executionLogs.append(otherExecution, [{ stream: 'system', text: 'queued\n', time: now() }]);
      const other = await signedGet(kiln.endpoint, logsPath(otherExecution), { follow: 'true' }, sign(otherKey));
      open.push(other);
      assert.equal(other.statusCode, 200);

      // A client that goes away gives its place back.
      open.shift()!.destroy();
      for (let attempt = 0; ; attempt++) {
        const res = await signedGet(kiln.endpoint, logsPath(executionId), { follow: 'true' }, sign(key));
        open.push(res);
        if (res.statusCode === 200) break;
        await bodyOf(res);
        assert.ok(attempt < 100, 'the place of the closed stream was never freed');
        await sleep(100);
      }
    } finally {
      for (const res of open) res.destroy();
    }
  });
});

describe('a log reader that takes nothing', () => {
  let kiln: TestKiln;
  before(async () => {
    kiln = await startKiln({ KILN_LOG_STREAM_IDLE_MS: '1000', KILN_LOG_STREAMS_PER_ACCOUNT: '1' });
  });
  after(async () => {
    await kiln?.stop();
  });

  test('is disconnected after KILN_LOG_STREAM_IDLE_MS and its place freed; `kiln logs` into a pipe that pauses longer still delivers every byte', async () => {
    const key: Key = { accessKeyId: kiln.credentials.accessKeyId, accessKeySecret: kiln.credentials.accessKeySecret };
    const executionId = await startExecution(kiln.clients.v3, await createPipeline(kiln.clients.v3));
    const { bytes } = await fillLog(kiln.app.store, executionId, ROWS);
    await kiln.app.store.executions.update({ accountId: kiln.credentials.accountId, regionId: REGION }, executionId, { status: 'SUCCESS', message: 'Image m-idle created.', imageId: 'm-idle' });

    const stalled = await stalledReader(kiln.port, signedRequestHead(`127.0.0.1:${kiln.port}`, logsPath(executionId), {}, key));
    // With one stream per account, the next request is admitted only once the stalled one is let go.
    for (let attempt = 0; ; attempt++) {
      const res = await signedGet(kiln.endpoint, logsPath(executionId), { after: '999999999' }, sign(key));
      const body = await bodyOf(res);
      if (res.statusCode === 200) {
        assert.match(body, /"end":true/);
        break;
      }
      assert.match(body, /Throttling\.User/);
      assert.ok(attempt < 600, 'the stalled reader was never let go');
      await sleep(100);
    }
    const got = (await readToEnd(stalled)).toString('utf8');
    const rows = got.match(/"seq":/g)?.length ?? 0;
    assert.ok(rows < ROWS, `the stalled reader got ${rows} of the ${ROWS} chunks`);
    assert.doesNotMatch(got, /"end":true/, 'the stalled stream was cut, not finished');

    // A pipe that takes nothing for longer than the idle limit: the CLI resumes after the last chunk it had.
    const r = await runShell(`node bin/kiln.mjs logs ${executionId} | (sleep 4; wc -c); echo "status: \${PIPESTATUS[0]}"`, { KILN_DATA_DIR: kiln.config.dataDir, KILN_PORT: String(kiln.port) });
    const [count, status] = r.stdout.trim().split('\n');
    assert.equal(Number(count), bytes, `bytes through the pipe; stderr: ${r.stderr}`);
    assert.equal(status, 'status: 0', r.stderr);
    assert.match(r.stderr, /--- SUCCESS: Image m-idle created\./);
  });
});
