import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { signedGet } from '../../src/cli/signed-get.js';
import type { ExecutionLogRepository, LogChunk, Store } from '../../src/domain/ports.js';
import { createStore } from '../../src/store/create-store.js';
import { LogBuffer } from '../../src/worker/log-buffer.js';
import { freePort, runShell, spawnKiln, type KilnProcess } from '../support/child.js';
import { REGION, startKiln, type TestKiln } from '../support/kiln.js';
import { createComponent, createPipeline } from '../support/ecs-requests.js';
import { assertNoLeftovers, build, clientAt, logsOf, startExecution, uniqueName } from '../support/builds.js';
import type { Socket } from 'node:net';
import { fillLog, LOG_ROW_BYTES, signedRequestHead, stalledReader } from './support/log-stream-clients.js';

/*
 * Build output cannot exhaust the server: a reader that never reads holds a bounded amount of
 * the server's memory, however large the log (issue 8, item 7); `kiln logs` delivers a whole
 * log into a pipe and stops quietly when the pipe's reader goes away; and a build's stored
 * output is capped (KILN_LOG_MAX_BYTES) with one visible truncation line (item 5).
 */

const MiB = 1024 * 1024;
const ROW = LOG_ROW_BYTES;

type Key = { accessKeyId: string; accessKeySecret: string; accountId: string };

/** Resident and peak resident memory of a process, from /proc (bytes). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

describe('log streaming', () => {
  let dataDir: string;
  let kiln: KilnProcess;
  let store: Store;
  let key: Key;
  let port: number;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'kiln-logstream-'));
    port = await freePort();
    kiln = await spawnKiln({ KILN_DATA_DIR: dataDir, KILN_PORT: String(port), KILN_WORKERS: '0' });
    key = JSON.parse(readFileSync(join(dataDir, 'default-credentials.json'), 'utf8')) as Key;
    // The test writes the logs into the same SQLite database the server reads.
    store = await createStore({ dataDir });
  });
  after(async () => {
    await store?.close();
    await kiln?.kill();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function executionWithLog(rows: number, status: 'SUCCESS' | 'RUNNING'): Promise<{ executionId: string; bytes: number; firstLine: string }> {
    const client = clientAt(kiln.endpoint, key);
    const executionId = await startExecution(client, await createPipeline(client));
    const filled = await fillLog(store, executionId, rows);
    if (status === 'SUCCESS') {
      await store.executions.update({ accountId: key.accountId, regionId: REGION }, executionId, { status: 'SUCCESS', message: 'Image m-log created.', imageId: 'm-log' });
    }
    return { executionId, ...filled };
  }

  test('eight readers that never read a 200 MB log hold a bounded amount of the server\'s memory', async () => {
    const { executionId, bytes } = await executionWithLog((200 * MiB) / ROW, 'RUNNING');
    const path = `/kiln/v1/executions/${executionId}/logs`;
    const before = memoryOf(kiln.child.pid!);

    const STALLED = 8;
    const stalled: Socket[] = [];
    for (let i = 0; i < STALLED; i++) stalled.push(await stalledReader(port, signedRequestHead(`127.0.0.1:${port}`, path, { follow: 'true' }, key)));

    // A reader that does read gets the whole log meanwhile: by then the server has had every
    // chance to push the same 200 MB at each stalled reader.
    const res = await signedGet(kiln.endpoint, path, { follow: 'true' }, { id: key.accessKeyId, secret: key.accessKeySecret });
    assert.equal(res.statusCode, 200);
    let received = 0;
    let partial = '';
    for await (const chunk of res as AsyncIterable<Buffer>) {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) if (l) received += (JSON.parse(l) as { text: string }).text.length;
      if (received >= bytes) break;
    }
    res.destroy();
    assert.equal(received, bytes, 'the reading client got the whole log while eight others stalled');

    // What a reader may hold: a page of rows being written (the server reads 16 rows of at most
    // 64 KiB at a time: 1 MiB) and the socket's buffers: 4 MiB leaves room. The collector may
    // also lag behind the 200 MB of output that went through: 128 MiB of room for that.
    const PER_READER = 4 * MiB;
    const GARBAGE = 128 * MiB;
    const bound = (STALLED + 1) * PER_READER + GARBAGE;
    const { peak } = memoryOf(kiln.child.pid!);
    assert.ok(peak - before.rss <= bound,
      `the server grew from ${(before.rss / MiB).toFixed(0)} MiB to a peak of ${(peak / MiB).toFixed(0)} MiB (bound: +${(bound / MiB).toFixed(0)} MiB for ${STALLED + 1} readers)`);

    // The stalled readers go away; the server still answers.
    for (const s of stalled) s.destroy();
    const again = await signedGet(kiln.endpoint, path, { after: String((200 * MiB) / ROW - 1) }, { id: key.accessKeyId, secret: key.accessKeySecret });
    let tail = '';
    for await (const c of again) tail += c;
    assert.equal(again.statusCode, 200);
    assert.equal(tail.trim().split('\n').length, 2, 'the last row and the end line');
  });

  test('`kiln logs <id> | wc -c` delivers every byte of a 32 MB log', async () => {
    const { executionId, bytes } = await executionWithLog((32 * MiB) / ROW, 'SUCCESS');
    const r = await runShell(`node bin/kiln.mjs logs ${executionId} | wc -c; echo "status: \${PIPESTATUS[0]}"`, { KILN_DATA_DIR: dataDir, KILN_PORT: String(port) });
    const [count, status] = r.stdout.trim().split('\n');
    assert.equal(Number(count), bytes, `bytes through the pipe; stderr: ${r.stderr}`);
    assert.equal(status, 'status: 0', r.stderr);
    assert.match(r.stderr, /--- SUCCESS: Image m-log created\./);
  });

  test('`kiln logs <id> | head -1` prints the first line and the CLI exits quietly', async () => {
    const { executionId, firstLine } = await executionWithLog((32 * MiB) / ROW, 'SUCCESS');
    const r = await runShell(`node bin/kiln.mjs logs ${executionId} | head -1; echo "status: \${PIPESTATUS[0]}"`, { KILN_DATA_DIR: dataDir, KILN_PORT: String(port) });
    assert.equal(r.stdout, `${firstLine}status: 0\n`, r.stderr);
    assert.doesNotMatch(r.stderr, /EPIPE|Error|at /, 'no error or stack trace when the pipe closes');
  });
});

describe('the per-execution log cap', () => {
  const CAP = 1 * MiB;
  let kiln: TestKiln;

  before(async () => {
    kiln = await startKiln({ KILN_WORKERS: '1', KILN_LOG_MAX_BYTES: String(CAP) });
  });
  after(async () => {
    await kiln?.stop();
  });

  const TRUNCATED = /kiln: log truncated: output past 1 MiB of this execution is not kept\n/g;
  const truncationLines = (logs: string) => logs.match(TRUNCATED) ?? [];

  test('a build printing 3 MB past a 1 MiB cap stores at most the cap and one truncation line, and ends SUCCESS with {{ task.stdout }} intact', async () => {
    // Output after the cap still reaches `{{ task.stdout }}`: the check task fails the build otherwise.
    const componentId = await createComponent(kiln.clients.v3, {
      name: uniqueName('logcap'),
      content: [
        'Tasks:',
        '  - Name: marker',
        '    Action: RunShellCommand',
        '    Properties:',
        '      commandContent: echo marker-after-the-cap',
        '  - Name: check',
        '    Action: RunShellCommand',
        '    Properties:',
        '      commandContent: test "{{ marker.stdout }}" = marker-after-the-cap',
      ].join('\n'),
    });
    const { executionId, item } = await build(kiln.clients.v3, {
      buildContent: `RUN yes kiln-output-line-0123456789 | head -c 3000000\nCOMPONENT ${componentId}\nRUN echo done-after-the-cap`,
    });
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    // The worker stores the last of the output before it writes the terminal status.
    const logs = await logsOf(kiln.app.store, executionId);
    const stored = Buffer.byteLength(logs);
    const lines = truncationLines(logs);
    assert.equal(lines.length, 1, `one truncation line in the ${stored} bytes stored`);
    assert.ok(stored <= CAP + Buffer.byteLength(`\n${lines[0]}`), `stored ${stored} bytes, cap ${CAP}`);
    assert.ok(stored >= CAP, 'output up to the cap is kept');
    assert.match(logs, /kiln-output-line-0123456789\n/);
    assert.doesNotMatch(logs, /done-after-the-cap/, 'output past the cap is not stored');
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });

  test('a build failing after the cap still ends FAILED with its error code and line', async () => {
    const { executionId, item } = await build(kiln.clients.v3, { buildContent: 'RUN yes | head -c 3000000\nRUN exit 3' });
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, 'BuildCommandFailed');
    assert.match(item.errorInfo ?? '', /line 2: .*exited with code 3/);
    const logs = await logsOf(kiln.app.store, executionId);
    const stored = Buffer.byteLength(logs);
    assert.equal(truncationLines(logs).length, 1, `one truncation line in the ${stored} bytes stored`);
    assert.ok(stored <= CAP + 100, `stored ${stored} bytes, cap ${CAP}`);
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });
});

describe('the log buffer a worker writes through', () => {
  /** A log repository that keeps what it is given. */
  function memoryLogs(): ExecutionLogRepository & { chunks: Array<Omit<LogChunk, 'seq'>> } {
    const chunks: Array<Omit<LogChunk, 'seq'>> = [];
    return {
      chunks,
      async append(_id, batch) {
        chunks.push(...batch.map((c) => ({ ...c })));
      },
      async read() {
        return [];
      },
    };
  }

  test('the cap counts bytes of UTF-8 and cuts between characters; no stored chunk is longer than 64 Ki characters', async () => {
    const logs = memoryLogs();
    const buffer = new LogBuffer(logs, 'exec-x', { maxBytes: 300 * 1024 });
    buffer.write('system', '--> line 1: RUN …\n');
    // 3 bytes a character, written in pieces longer than a chunk may be.
    for (let i = 0; i < 3; i++) buffer.write('stdout', '€'.repeat(70_000));
    buffer.write('stderr', 'never stored\n');
    await buffer.close();
    const text = logs.chunks.map((c) => c.text).join('');
    const notice = 'kiln: log truncated: output past 300 KiB of this execution is not kept\n';
    assert.ok(text.endsWith(`\n${notice}`), 'the truncation line ends the log, on a line of its own');
    const kept = text.slice(0, -notice.length - 1);
    assert.ok(Buffer.byteLength(kept) <= 300 * 1024 && Buffer.byteLength(kept) > 300 * 1024 - 3, `${Buffer.byteLength(kept)} bytes kept`);
    assert.doesNotMatch(kept, /\uFFFD/, 'no character cut in half');
    assert.doesNotMatch(text, /never stored/);
    assert.ok(logs.chunks.every((c) => c.text.length <= 64 * 1024), `chunk lengths: ${logs.chunks.map((c) => c.text.length).join(', ')}`);
  });
});
