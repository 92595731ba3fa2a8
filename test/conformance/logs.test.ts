import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createInterface } from 'node:readline';
import { signedGet } from '../../src/cli/signed-get.js';
import { createAccount } from '../../src/auth/accounts.js';
import { REGION, startKiln, type TestKiln } from '../support/kiln.js';
import { runCli } from '../support/child.js';
import { $Ecs, createPipeline } from './ops-support.js';

/*
 * Live logs: the native endpoint (V3-signed, outside the ECS action space) and `kiln logs -f`.
 * The output is written the way a worker writes it (through the store's log repository).
 */

let kiln: TestKiln;

before(async () => {
  kiln = await startKiln();
});
after(async () => {
  await kiln?.stop();
});

async function newExecution(): Promise<{ executionId: string; scope: { accountId: string; regionId: string } }> {
  const pipelineId = await createPipeline(kiln.clients.v3);
  const res = await kiln.clients.v3.startImagePipelineExecution(new $Ecs.StartImagePipelineExecutionRequest({ regionId: REGION, imagePipelineId: pipelineId }));
  return { executionId: res.body!.executionId!, scope: { accountId: kiln.credentials.accountId, regionId: REGION } };
}

const key = () => ({ id: kiln.credentials.accessKeyId, secret: kiln.credentials.accessKeySecret });
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

test('follow streams output as it is written and ends with the terminal status', async () => {
  const { executionId, scope } = await newExecution();
  await kiln.app.store.executionLogs.append(executionId, [{ stream: 'stdout', text: 'first\n', time: now() }]);
  const res = await signedGet(kiln.endpoint, `/kiln/v1/executions/${executionId}/logs`, { follow: 'true' }, key());
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /application\/x-ndjson/);
  const lines: Array<Record<string, unknown>> = [];
  const reading = (async () => {
    for await (const line of createInterface({ input: res })) if (line) lines.push(JSON.parse(line));
  })();
  await sleep(400);
  assert.deepEqual(lines.map((l) => l.text), ['first\n'], 'what was there is sent at once');
  await kiln.app.store.executionLogs.append(executionId, [{ stream: 'stderr', text: 'second\n', time: now() }]);
  await sleep(600);
  assert.deepEqual(lines.map((l) => l.text), ['first\n', 'second\n'], 'new output arrives while following');
  await kiln.app.store.executions.update(scope, executionId, { status: 'FAILED', message: 'Failed at line 2.', errorCode: 'BuildCommandFailed', errorInfo: 'line 2: exit 1' });
  await reading;
  const last = lines[lines.length - 1]!;
  assert.equal(last.end, true);
  assert.equal(last.status, 'FAILED');
  assert.equal(last.errorCode, 'BuildCommandFailed');
  assert.deepEqual(lines.slice(0, -1).map((l) => l.seq), [1, 2]);
});

test('`kiln logs -f` prints the output and exits 0 on SUCCESS, 1 otherwise; `after` resumes', async () => {
  const { executionId, scope } = await newExecution();
  await kiln.app.store.executionLogs.append(executionId, [
    { stream: 'system', text: '[BUILDING] step 1/1\n', time: now() },
    { stream: 'stdout', text: 'hello\n', time: now() },
  ]);
  const env = { KILN_DATA_DIR: kiln.config.dataDir, KILN_PORT: String(kiln.port) };
  const following = runCli(['logs', '-f', executionId], env);
  await sleep(800);
  await kiln.app.store.executions.update(scope, executionId, { status: 'SUCCESS', message: 'Image m-x created.', imageId: 'm-x' });
  const r = await following;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '[BUILDING] step 1/1\nhello\n');
  assert.match(r.stderr, /SUCCESS: Image m-x created\./);

  const resumed = await signedGet(kiln.endpoint, `/kiln/v1/executions/${executionId}/logs`, { after: '1' }, key());
  let body = '';
  for await (const c of resumed) body += c;
  const texts = body.trim().split('\n').map((l) => JSON.parse(l) as { text?: string; end?: boolean });
  assert.deepEqual(texts.map((t) => t.text ?? 'END'), ['hello\n', 'END']);

  const { executionId: failed, scope: s2 } = await newExecution();
  await kiln.app.store.executions.update(s2, failed, { status: 'FAILED', message: 'nope' });
  const r2 = await runCli(['logs', failed], env);
  assert.equal(r2.code, 1);
});

test('unsigned, wrongly signed and other accounts\' requests get ECS errors, never the logs', async () => {
  const { executionId } = await newExecution();
  await kiln.app.store.executionLogs.append(executionId, [{ stream: 'stdout', text: 'secret output\n', time: now() }]);
  const plain = await fetch(`${kiln.endpoint}/kiln/v1/executions/${executionId}/logs`);
  assert.equal(plain.status, 400);
  assert.equal(((await plain.json()) as { Code: string }).Code, 'MissingParameter.Signature');

  const bad = await signedGet(kiln.endpoint, `/kiln/v1/executions/${executionId}/logs`, {}, { id: kiln.credentials.accessKeyId, secret: 'wrong' });
  let badBody = '';
  for await (const c of bad) badBody += c;
  assert.equal(bad.statusCode, 400);
  assert.equal(JSON.parse(badBody).Code, 'SignatureDoesNotMatch');

  const other = await createAccount(kiln.app.store, [REGION]);
  const theirs = await signedGet(kiln.endpoint, `/kiln/v1/executions/${executionId}/logs`, {}, { id: other.accessKey.id, secret: other.accessKey.secret });
  let theirBody = '';
  for await (const c of theirs) theirBody += c;
  assert.equal(theirs.statusCode, 404);
  assert.equal(JSON.parse(theirBody).Code, 'InvalidImagePipelineExecution.NotFound');
  assert.doesNotMatch(theirBody, /secret output/);
});
