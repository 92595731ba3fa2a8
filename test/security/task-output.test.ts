import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Instance } from '../../src/engine/instance/instance.js';
import type { StepCacheEntry } from '../../src/domain/step-cache.js';
import { startKiln, type TestKiln } from '../support/kiln.js';
import { createComponent } from '../support/ecs-requests.js';
import { assertNoLeftovers, build, logsOf, uniqueName } from '../support/builds.js';
import { engineFixture, type EngineFixture } from '../support/engine-fixture.js';

/*
 * A YAML task's stdout is captured for `{{ task.stdout }}` references and stored with the
 * task's step-cache entry. Neither may grow with what the build prints (issue 8, item 5): the
 * capture keeps at most KILN_TASK_OUTPUT_MAX_BYTES, a reference to a task that printed more
 * fails the referring step with its own code, and the account's cache quota counts the stored
 * output. Output that cannot be handled stops the step, never silently.
 */

const KiB = 1024;

/** A YAML component of RunShellCommand tasks, `[name, command]` in order. */
function tasks(list: Array<[string, string]>): string {
  return ['Tasks:', ...list.flatMap(([name, command]) => [
    `  - Name: ${name}`,
    '    Action: RunShellCommand',
    '    Properties:',
    `      commandContent: '${command}'`,
  ])].join('\n');
}

/** Bytes the account's cache holds as the quota counts them: distinct blobs plus each entry's stored output. */
function cacheBytes(entries: readonly StepCacheEntry[]): number {
  const blobs = new Map<string, number>();
  let outputs = 0;
  for (const e of entries) {
    if (e.layerDigest) blobs.set(e.layerDigest, e.layerSize);
    if (e.tmpDigest) blobs.set(e.tmpDigest, e.tmpSize ?? 1);
    outputs += Buffer.byteLength(e.output ?? '');
  }
  return [...blobs.values()].reduce((a, b) => a + b, 0) + outputs;
}

describe('task output for {{ task.stdout }}', () => {
  const LIMIT = 64 * KiB;
  let kiln: TestKiln;

  before(async () => {
    kiln = await startKiln({ KILN_WORKERS: '1', KILN_TASK_OUTPUT_MAX_BYTES: String(LIMIT) });
  });
  after(async () => {
    await kiln?.stop();
  });

  test('a task printing 5 MB stores at most the limit in the step cache, and a reference to its output fails the referring task with TaskOutputTooLarge', async () => {
    const componentId = await createComponent(kiln.clients.v3, {
      name: uniqueName('bigout'),
      content: tasks([
        ['small', 'echo small-output'],
        ['big', 'yes kiln-task-output | head -c 5000000'],
        ['useSmall', 'test "{{ small.stdout }}" = small-output'],
        ['useBig', 'echo "{{ big.stdout }}" | wc -c'],
      ]),
    });
    const { executionId, item } = await build(kiln.clients.v3, { buildContent: `COMPONENT ${componentId}` });
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, 'TaskOutputTooLarge', JSON.stringify(item));
    // The referring task is named with its line; the task whose output was too large too.
    assert.match(item.errorInfo ?? '', /task useBig \(line \d+\): \{\{ big\.stdout \}\} refers to the output of .*task big \(line \d+\), which printed more than 64 KiB \(65536 bytes\)/);

    const logs = await logsOf(kiln.app.store, executionId);
    assert.match(logs, /\{\{ big\.stdout \}\} is not kept: the task printed more than 64 KiB \(65536 bytes\) on stdout/, 'the log says what happened to the output');
    assert.match(logs, /^kiln-task-output$/m, 'the output itself still goes to the log');

    // Every stored output is within the limit; the task past it stores none.
    const entries = await kiln.app.store.stepCache.listAll();
    assert.ok(entries.length >= 3, `entries recorded: ${entries.length}`);
    for (const e of entries) assert.ok(Buffer.byteLength(e.output ?? '') <= LIMIT, `an entry stores ${Buffer.byteLength(e.output ?? '')} bytes of output`);
    assert.ok(entries.some((e) => e.output === 'small-output\n'), 'the small output is stored as printed');
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });

  test('a rebuild takes a cut output from the step cache as cut: the reference still fails, nothing reruns', async () => {
    const componentId = await createComponent(kiln.clients.v3, {
      name: uniqueName('bigout2'),
      content: tasks([
        ['big2', 'yes kiln-cached-output | head -c 200000'],
        ['use2', 'echo "{{ big2.stdout }}" > /dev/null'],
      ]),
    });
    const first = await build(kiln.clients.v3, { buildContent: `COMPONENT ${componentId}` });
    assert.equal(first.item.errorCode, 'TaskOutputTooLarge', JSON.stringify(first.item));
    const again = await build(kiln.clients.v3, { buildContent: `COMPONENT ${componentId}` });
    assert.equal(again.item.status, 'FAILED', JSON.stringify(again.item));
    assert.equal(again.item.errorCode, 'TaskOutputTooLarge', JSON.stringify(again.item));
    const logs = await logsOf(kiln.app.store, again.executionId);
    assert.match(logs, /from the step cache .*not run/, 'the task came from the step cache');
    assert.doesNotMatch(logs, /^kiln-cached-output$/m, 'it did not run again');
    assert.match(logs, /\{\{ big2\.stdout \}\} is not kept/);
  });
});

describe('the account cache quota and task output', () => {
  const QUOTA = 100 * KiB;
  let kiln: TestKiln;

  before(async () => {
    kiln = await startKiln({ KILN_WORKERS: '1', KILN_TASK_OUTPUT_MAX_BYTES: String(64 * KiB), KILN_ACCOUNT_CACHE_BYTES_QUOTA: String(QUOTA) });
  });
  after(async () => {
    await kiln?.stop();
  });

  test('three tasks printing 40 KiB each leave the account\'s cache within a 100 KiB quota, their stored output counted', async () => {
    const componentId = await createComponent(kiln.clients.v3, {
      name: uniqueName('quotaout'),
      content: tasks([
        ['a', 'yes a | head -c 40960'],
        ['b', 'yes b | head -c 40960'],
        ['c', 'yes c | head -c 40960'],
        ['check', 'test "$(echo "{{ c.stdout }}" | wc -l)" = 20480'],
      ]),
    });
    const { executionId, item } = await build(kiln.clients.v3, { buildContent: `COMPONENT ${componentId}` });
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    const entries = await kiln.app.store.stepCache.listAll();
    const bytes = cacheBytes(entries);
    assert.ok(bytes <= QUOTA, `the account's cache holds ${bytes} bytes (${entries.length} entries) against a quota of ${QUOTA}`);
    assert.ok(entries.length >= 1, 'the cache still holds what fits');
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });
});

describe('output a step\'s listener cannot take', () => {
  let fx: EngineFixture;
  const live: Instance[] = [];

  before(async () => {
    fx = await engineFixture('outlistener');
  });
  afterEach(async () => {
    for (const i of live.splice(0)) await i.destroy();
    assert.deepEqual(await fx.driver.leftovers(fx.prefix), []);
  });
  after(async () => {
    await fx?.close();
  });

  test('a listener that throws stops the step, which fails saying why (never a silent success with output lost)', async () => {
    const instance = await fx.driver.create(fx.spec());
    live.push(instance);
    let calls = 0;
    const run = instance.run({
      argv: ['/bin/sh', '-c', 'echo first; sleep 1; while true; do echo more; done'],
      env: [],
      cwd: '/',
      user: 'root',
      timeoutMs: 10_000,
      onOutput: () => {
        calls++;
        throw new RangeError('Invalid string length');
      },
    });
    await assert.rejects(run, (err: Error) => {
      assert.match(err.message, /output/i);
      assert.match(err.message, /Invalid string length/);
      return true;
    });
    assert.equal(calls, 1, 'no output is delivered after the listener failed');
  });
});
