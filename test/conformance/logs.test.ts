import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { signedGet } from '../../src/cli/signed-get.js';
import { createAccount } from '../../src/auth/accounts.js';
import { REGION, startKiln, type TestKiln } from '../support/kiln.js';
import { kilnEnv, REPO_ROOT, runCli } from '../support/child.js';
import { $Ecs, createPipeline } from '../support/ecs-requests.js';

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

/** The NDJSON lines of a response, one at a time as they arrive. */
function ndjsonLines(res: IncomingMessage): AsyncIterator<Record<string, unknown>> {
  const lines = createInterface({ input: res })[Symbol.asyncIterator]();
  return {
    async next() {
      for (;;) {
        const r = await lines.next();
        if (r.done) return { done: true, value: undefined };
        if (r.value) return { done: false, value: JSON.parse(r.value) as Record<string, unknown> };
      }
    },
  };
}

/** The next line of the stream; fails when the stream ended instead. */
async function nextLine(lines: AsyncIterator<Record<string, unknown>>, what: string): Promise<Record<string, unknown>> {
  const r = await lines.next();
  assert.equal(r.done, false, `the stream ended before ${what}`);
  return r.value;
}

/** `kiln logs …` as a running process whose output can be awaited as it is printed. */
function spawnLogs(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'main', 'cli.ts'), 'logs', ...args], { cwd: REPO_ROOT, env: kilnEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = once(child, 'close').then(([code]) => code as number | null);
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    /** Resolves once stdout contains `text`; rejects if the command ends first. */
    printed(text: string): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!stdout.includes(text)) return;
          child.stdout.off('data', check);
          resolve();
        };
        child.stdout.on('data', check);
        void exited.then((code) => reject(new Error(`kiln logs exited (${code}) before printing ${JSON.stringify(text)}; stdout: ${stdout}; stderr: ${stderr}`)));
        check();
      });
    },
  };
}

test('follow streams output as it is written and ends with the terminal status', async () => {
  const { executionId, scope } = await newExecution();
  await kiln.app.store.executionLogs.append(executionId, [{ stream: 'stdout', text: 'first\n', time: now() }]);
  const res = await signedGet(kiln.endpoint, `/kiln/v1/executions/${executionId}/logs`, { follow: 'true' }, key());
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /application\/x-ndjson/);
  const lines = ndjsonLines(res);
  const first = await nextLine(lines, 'what was there');
  assert.deepEqual([first.seq, first.text], [1, 'first\n'], 'what was there is sent at once');

  // Written once the reader got the first line, while the build runs: only a followed stream
  // delivers it (a plain read would have sent its end line next).
  await kiln.app.store.executionLogs.append(executionId, [{ stream: 'stderr', text: 'second\n', time: now() }]);
  const second = await nextLine(lines, 'the output written while following');
  assert.deepEqual([second.seq, second.stream, second.text], [2, 'stderr', 'second\n'], 'new output arrives while following');
  assert.equal((await kiln.app.store.executions.get(scope, executionId))?.status, 'PREPARING', 'the build has not ended');

  await kiln.app.store.executions.update(scope, executionId, { status: 'FAILED', message: 'Failed at line 2.', errorCode: 'BuildCommandFailed', errorInfo: 'line 2: exit 1' });
  const last = await nextLine(lines, 'the end line');
  assert.equal(last.end, true);
  assert.equal(last.status, 'FAILED');
  assert.equal(last.errorCode, 'BuildCommandFailed');
  assert.equal((await lines.next()).done, true, 'the end line is the last');
});

test('`kiln logs -f` prints the output and exits 0 on SUCCESS, 1 otherwise; `after` resumes', async () => {
  const { executionId, scope } = await newExecution();
  await kiln.app.store.executionLogs.append(executionId, [
    { stream: 'system', text: '[BUILDING] step 1/1\n', time: now() },
    { stream: 'stdout', text: 'hello\n', time: now() },
  ]);
  const env = { KILN_DATA_DIR: kiln.config.dataDir, KILN_PORT: String(kiln.port) };
  const following = spawnLogs(['-f', executionId], env);
  try {
    await following.printed('hello\n');
    // Written after the command printed what was there, while the build runs: it follows.
    await kiln.app.store.executionLogs.append(executionId, [{ stream: 'stdout', text: 'later\n', time: now() }]);
    await following.printed('later\n');
    assert.equal(following.child.exitCode, null, 'still following');
    await kiln.app.store.executions.update(scope, executionId, { status: 'SUCCESS', message: 'Image m-x created.', imageId: 'm-x' });
    assert.equal(await following.exited, 0, following.stderr());
  } finally {
    following.child.kill('SIGKILL');
  }
  assert.equal(following.stdout(), '[BUILDING] step 1/1\nhello\nlater\n');
  assert.match(following.stderr(), /SUCCESS: Image m-x created\./);

  const resumed = await signedGet(kiln.endpoint, `/kiln/v1/executions/${executionId}/logs`, { after: '1' }, key());
  let body = '';
  for await (const c of resumed) body += c;
  const texts = body.trim().split('\n').map((l) => JSON.parse(l) as { text?: string; end?: boolean });
  assert.deepEqual(texts.map((t) => t.text ?? 'END'), ['hello\n', 'later\n', 'END']);

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
