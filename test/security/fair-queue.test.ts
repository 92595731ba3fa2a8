import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createAccount } from '../../src/auth/accounts.js';
import { createPipeline } from '../support/ecs-requests.js';
import { assertNoLeftovers, describeImages, isTerminal, logsContaining, startExecution, uniqueName, waitForExecution } from '../support/builds.js';
import { startKiln, type EcsClient, type TestKiln } from '../support/kiln.js';
import { QueueWatch } from './support/queue-watch.js';

/*
 * Issue 8, item 11: one tenant cannot hold the queue. Real builds on runc: account A starts
 * several templates whose builds sleep, then account B starts one.
 *
 * - With one worker, B's build is claimed right after A's running one, before A's later ones
 *   (arrival order would make B wait for all of A's builds).
 * - With two workers and KILN_ACCOUNT_MAX_RUNNING=1, A never has two builds at once, and B's
 *   build runs beside A's instead of waiting.
 * - A build running past KILN_BUILD_TIMEOUT_MS ends FAILED with BuildTimeout, with no image and
 *   nothing left on the machine.
 *
 * Claims are read from the store (the executions holding a lease), not from wall-clock times.
 */

const kilns: TestKiln[] = [];
const watches: QueueWatch[] = [];
after(async () => {
  for (const w of watches) w.close();
  for (const k of kilns) await k.stop();
});

async function start(env: Record<string, string>): Promise<{ kiln: TestKiln; a: EcsClient; b: EcsClient; bAccount: string; watch: QueueWatch }> {
  // Host disk admission has its own test (disk-admission.test.ts); off here, so this machine's
  // free space plays no part in which build runs when.
  const kiln = await startKiln({ KILN_HOST_DISK_ADMISSION: 'false', ...env });
  kilns.push(kiln);
  const { account, accessKey } = await createAccount(kiln.app.store, kiln.config.regions.map((r) => r.regionId), { name: 'tenant-b' });
  const watch = new QueueWatch(kiln.config.dataDir);
  watches.push(watch);
  return { kiln, a: kiln.clients.v3, b: kiln.clientsFor(accessKey.id, accessKey.secret).v3, bAccount: account.id, watch };
}

/** A starts three sleeping builds; once the first is being built, B starts one. Returns the execution ids. */
async function aThenB(a: EcsClient, b: EcsClient, watch: QueueWatch, sleepS: number): Promise<{ a1: string; a2: string; a3: string; b1: string }> {
  // Distinct steps: the step cache must not turn a build into no work at all.
  const content = (who: string) => `RUN echo ${who}-${uniqueName('start')} && sleep ${sleepS}`;
  const aPipelines = [];
  for (let i = 1; i <= 3; i++) aPipelines.push(await createPipeline(a, { name: uniqueName('fair-a'), buildContent: content(`a${i}`) }));
  const bPipeline = await createPipeline(b, { name: uniqueName('fair-b'), buildContent: content('b1') });
  const a1 = await startExecution(a, aPipelines[0]!);
  const a2 = await startExecution(a, aPipelines[1]!);
  const a3 = await startExecution(a, aPipelines[2]!);
  await watch.until(() => watch.claimOrder.includes(a1), 'A1 to be claimed');
  const b1 = await startExecution(b, bPipeline);
  return { a1, a2, a3, b1 };
}

async function allEnd(a: EcsClient, b: EcsClient, ids: { a1: string; a2: string; a3: string; b1: string }): Promise<void> {
  for (const id of [ids.a1, ids.a2, ids.a3]) {
    const { item } = await waitForExecution(a, id, isTerminal, 'a terminal status', 180_000);
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
  }
  const { item } = await waitForExecution(b, ids.b1, isTerminal, 'a terminal status', 180_000);
  assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
}

describe('security: one tenant cannot hold the queue', () => {
  test('one worker: B\'s build is claimed before A\'s later ones (accounts take turns)', async () => {
    const { kiln, a, b, watch } = await start({ KILN_WORKERS: '1', KILN_ACCOUNT_MAX_RUNNING: '1' });
    const ids = await aThenB(a, b, watch, 2);
    await allEnd(a, b, ids);
    assert.deepEqual(watch.claimOrder, [ids.a1, ids.b1, ids.a2, ids.a3], 'claim order (A1, then B, then A\'s others)');
    for (const id of Object.values(ids)) await assertNoLeftovers(kiln.config.dataDir, id);
  });

  test('two workers, KILN_ACCOUNT_MAX_RUNNING=1: A never builds two at once; B builds beside A', async () => {
    const { kiln, a, b, bAccount, watch } = await start({ KILN_WORKERS: '2', KILN_ACCOUNT_MAX_RUNNING: '1' });
    const aAccount = kiln.credentials.accountId;
    const ids = await aThenB(a, b, watch, 3);
    await allEnd(a, b, ids);
    assert.equal(watch.maxAtOnce(aAccount), 1, 'A had at most one build running at any time');
    assert.ok(watch.sawTogether(aAccount, bAccount), 'B\'s build ran while one of A\'s did (a free worker took it)');
    assert.deepEqual(watch.claimOrder, [ids.a1, ids.b1, ids.a2, ids.a3], 'claim order');
    for (const id of Object.values(ids)) await assertNoLeftovers(kiln.config.dataDir, id);
  });

  test('a build past KILN_BUILD_TIMEOUT_MS ends FAILED with BuildTimeout; no image, nothing left behind', async () => {
    // 15 s: room for the first runc start and step 1 on a busy machine, far below step 2's 300 s.
    const { kiln, a } = await start({ KILN_WORKERS: '1', KILN_BUILD_TIMEOUT_MS: '15000' });
    const name = uniqueName('timeout');
    const pipelineId = await createPipeline(a, { name, imageName: name, buildContent: 'RUN echo before-the-limit\nRUN sleep 300\nRUN echo never' });
    const executionId = await startExecution(a, pipelineId);
    // Far less than the step's 300 s (and than the 1 h step limit): the whole-build limit stopped it.
    const { item, seen } = await waitForExecution(a, executionId, isTerminal, 'a terminal status', 60_000);
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, 'BuildTimeout');
    assert.match(item.message ?? '', /longer than the whole-build limit \(15 s\)/);
    assert.match(item.errorInfo ?? '', /15000 ms \(KILN_BUILD_TIMEOUT_MS\)/);
    assert.ok(!seen.includes('CANCELLED') && !seen.includes('CANCELLING'), seen.join(' → '));
    assert.equal(item.imageId ?? '', '');
    assert.deepEqual(await describeImages(a, { imageName: `${name}_${executionId}` }), []);
    const logs = await logsContaining(kiln.app.store, executionId, 'before-the-limit');
    assert.ok(!logs.includes('--> line 3'), 'no step after the stopped one ran');
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });
});
