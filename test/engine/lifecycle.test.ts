import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BuildArtifact, BuiltArtifact, CancelledBuild, FailedBuild } from '../../src/domain/build-artifact.js';
import type { FakeInstanceDriver } from '../support/fake-instance-driver.js';
import { LifecycleHarness } from '../support/lifecycle-harness.js';

/*
 * The build's lifecycle on the fake instance driver (no runc): every outcome the engine returns,
 * the stages it announces, and its instances: created one at a time, each destroyed exactly once
 * whatever ended the build, nothing left behind (but an instance kept on purpose).
 */

function built(a: BuildArtifact): BuiltArtifact {
  assert.equal(a.outcome, 'built', JSON.stringify(a));
  return a as BuiltArtifact;
}

function failed(a: BuildArtifact): FailedBuild {
  assert.equal(a.outcome, 'failed', JSON.stringify(a));
  return a as FailedBuild;
}

function cancelled(a: BuildArtifact): CancelledBuild {
  assert.equal(a.outcome, 'cancelled', JSON.stringify(a));
  return a as CancelledBuild;
}

/** Every instance created was destroyed exactly once, before the next one was created (the last created, the last destroyed), and none is left. */
async function releasedOnce(driver: FakeInstanceDriver, expected: string[]): Promise<void> {
  assert.deepEqual(driver.created(), expected, 'the instances created');
  assert.deepEqual(driver.destroyed(), expected, 'each destroyed exactly once, in order');
  const lifecycle = driver.events.filter((e) => e.op === 'create' || e.op === 'destroy').map((e) => `${e.op} ${e.name}`);
  assert.deepEqual(lifecycle, expected.flatMap((n) => [`create ${n}`, `destroy ${n}`]), 'one instance at a time');
  assert.deepEqual(await driver.leftovers(''), []);
}

describe('the build lifecycle (fake instances)', () => {
  let h: LifecycleHarness;
  before(async () => {
    h = await LifecycleHarness.create();
  });
  after(async () => {
    await h.close();
  });
  const fresh = async (deps: Parameters<typeof LifecycleHarness.create>[0] = {}): Promise<LifecycleHarness> => {
    await h.close();
    h = await LifecycleHarness.create(deps);
    return h;
  };

  test('success: the image is written (base + one layer a RUN), its test passes, stages PREPARING → BUILDING → TESTING, both instances released', async () => {
    await fresh();
    const { artifact, stages } = await h.build({ buildContent: 'RUN echo one\nENV A=1\nRUN echo two', testContent: 'RUN test -n "$A"' }, { executionId: 'exec-ok' });
    const a = built(artifact);
    assert.deepEqual(stages, ['PREPARING', 'BUILDING', 'TESTING']);
    assert.equal(a.image.newLayers, 2);
    assert.equal(a.image.layers.length, 3);
    assert.equal(a.image.baseImageId, 'busybox_x64_20G_kiln_base.vhd');
    for (const d of [a.image.manifestDigest, a.image.configDigest, ...a.image.layers.map((l) => l.digest)]) assert.ok(await h.blobs.has(d), `${d} is in the blob store`);
    assert.deepEqual(a.test, { status: 'passed', steps: 1 });
    assert.deepEqual({ run: a.steps.run, reused: a.steps.reused, mode: a.steps.cacheMode }, { run: 2, reused: 0, mode: 'use' });
    assert.deepEqual(a.steps.perStep, [{ where: 'line 1', cache: 'miss' }, { where: 'line 3', cache: 'miss' }]);
    assert.equal(a.repair, undefined);
    await releasedOnce(h.driver, ['exec-ok', 'exec-ok-t']);
    assert.deepEqual(h.driver.commands('exec-ok-t'), ['/bin/sh -c test -n "$A"']);
  });

  test('an unchanged rebuild reuses every step: no intermediate instance is created, the same layers', async () => {
    await fresh();
    const first = built((await h.build({ buildContent: 'RUN echo one\nRUN echo two' }, { executionId: 'exec-c1' })).artifact);
    const again = built((await h.build({ buildContent: 'RUN echo one\nRUN echo two' }, { executionId: 'exec-c2' })).artifact);
    assert.deepEqual({ run: again.steps.run, reused: again.steps.reused }, { run: 0, reused: 2 });
    assert.deepEqual(again.steps.perStep.map((s) => s.cache), ['hit', 'hit']);
    assert.deepEqual(again.image.layers, first.image.layers);
    assert.deepEqual(again.test, { status: 'notRun' });
    await releasedOnce(h.driver, ['exec-c1']);
  });

  test('build failure: failed with the code and the step, the steps before it counted, the instance destroyed', async () => {
    await fresh();
    h.driver.fail('exit 3', 3);
    const { artifact, stages } = await h.build({ buildContent: 'RUN echo one\nRUN exit 3\nRUN echo never', testContent: 'RUN true' }, { executionId: 'exec-fail' });
    const a = failed(artifact);
    assert.equal(a.failure.code, 'BuildCommandFailed');
    assert.deepEqual(a.failure.where, { phase: 'BUILDING', step: 'line 2' });
    assert.match(a.failure.info, /^line 2: /);
    assert.equal(a.keptInstance, undefined);
    assert.deepEqual({ run: a.steps.run, reused: a.steps.reused }, { run: 1, reused: 0 });
    assert.deepEqual(stages, ['PREPARING', 'BUILDING']);
    assert.ok(!h.driver.commands().some((c) => c.includes('never')), 'no step after the failed one ran');
    await releasedOnce(h.driver, ['exec-fail']);
  });

  test('DeleteInstanceOnFailure=false: the failed intermediate instance is kept and named, not destroyed', async () => {
    await fresh();
    h.driver.fail('exit 3', 3);
    const a = failed((await h.build({ buildContent: 'RUN exit 3', deleteInstanceOnFailure: false }, { executionId: 'exec-keep' })).artifact);
    assert.deepEqual(a.keptInstance, { name: 'exec-keep', dataDir: 'instances/exec-keep' });
    assert.deepEqual(h.driver.created(), ['exec-keep']);
    assert.deepEqual(h.driver.destroyed(), []);
    assert.deepEqual(await h.driver.leftovers('exec-keep'), ['instance exec-keep']);
    assert.deepEqual(await h.engine.cleanupLeftovers('exec-keep'), ['instance exec-keep'], 'a lost worker\'s cleanup still removes it');
    assert.deepEqual(h.driver.destroyed(), ['exec-keep']);
  });

  test('DeleteInstanceOnFailure=false keeps nothing when the failure came before any instance existed', async () => {
    await fresh();
    const a = failed((await h.build({ baseImage: 'no-such-image', buildContent: 'RUN true', deleteInstanceOnFailure: false })).artifact);
    assert.equal(a.failure.code, 'InvalidImage.NotFound');
    assert.deepEqual(a.failure.where, { phase: 'PREPARING' });
    assert.equal(a.keptInstance, undefined);
    assert.deepEqual(h.driver.events, [], 'no instance was created');
  });

  test('a step that runs past the step timeout: failed StepTimeout at its line', async () => {
    await fresh({ stepTimeoutMs: 20 });
    h.driver.hang('sleep 1000');
    const a = failed((await h.build({ buildContent: 'RUN true\nRUN sleep 1000' }, { executionId: 'exec-timeout' })).artifact);
    assert.equal(a.failure.code, 'StepTimeout');
    assert.deepEqual(a.failure.where, { phase: 'BUILDING', step: 'line 2' });
    await releasedOnce(h.driver, ['exec-timeout']);
  });

  test('test failure: the image is built, its test failed with the code and the step; both instances released', async () => {
    await fresh();
    h.driver.fail('exit 7', 7);
    const { artifact, stages } = await h.build({ buildContent: 'RUN echo built', testContent: 'RUN true\nRUN exit 7' }, { executionId: 'exec-test' });
    const a = built(artifact);
    assert.equal(a.test.status, 'failed');
    assert.ok(a.test.status === 'failed');
    assert.equal(a.test.failure.code, 'BuildCommandFailed');
    assert.deepEqual(a.test.failure.where, { phase: 'TESTING', step: 'line 2' });
    assert.ok(await h.blobs.has(a.image.manifestDigest));
    assert.deepEqual(stages, ['PREPARING', 'BUILDING', 'TESTING']);
    await releasedOnce(h.driver, ['exec-test', 'exec-test-t']);
  });

  test('RepairMode: REPAIRING announced, the items\' results returned, a repair becomes a layer under the steps\'', async () => {
    await fresh();
    h.driver.print('kiln_item_0', '::kiln-repair-item::GUESTOS.Dhcp\nGUESTOS.Dhcp: REPAIRED (dhcp client enabled)\n');
    const { artifact, stages } = await h.build({ buildContent: 'RUN echo after', repairMode: 'Standard', repairItems: ['GUESTOS.Dhcp'] }, { executionId: 'exec-repair' });
    const a = built(artifact);
    assert.deepEqual(stages, ['PREPARING', 'REPAIRING', 'BUILDING']);
    assert.deepEqual(a.repair, [{ item: 'GUESTOS.Dhcp', status: 'REPAIRED', detail: 'dhcp client enabled' }]);
    assert.equal(a.image.newLayers, 2, 'the repairs and the RUN step');
    assert.deepEqual(a.steps.perStep.map((s) => s.where), ['RepairMode', 'line 1']);
    await releasedOnce(h.driver, ['exec-repair']);
  });

  test('RepairMode failing: failed at REPAIRING, step RepairMode', async () => {
    await fresh();
    const a = failed((await h.build({ buildContent: 'RUN echo after', repairMode: 'Standard', repairItems: ['GUESTOS.Dhcp'] }, { executionId: 'exec-repair-fail' })).artifact);
    assert.equal(a.failure.code, 'RepairFailed');
    assert.deepEqual(a.failure.where, { phase: 'REPAIRING', step: 'RepairMode' });
    await releasedOnce(h.driver, ['exec-repair-fail']);
  });
});

describe('cancelling a build (fake instances)', () => {
  let h: LifecycleHarness;
  before(async () => {
    h = await LifecycleHarness.create();
  });
  after(async () => {
    await h.close();
  });
  const fresh = async (): Promise<LifecycleHarness> => {
    await h.close();
    h = await LifecycleHarness.create();
    return h;
  };

  test('during PREPARING: cancelled at PREPARING, no instance created', async () => {
    await fresh();
    const abort = new AbortController();
    h.beforeBase = () => abort.abort('cancelled');
    const { artifact, stages } = await h.build({ buildContent: 'RUN true' }, { abort });
    assert.equal(cancelled(artifact).phase, 'PREPARING');
    assert.deepEqual(stages, []);
    assert.deepEqual(h.driver.events, []);
  });

  test('during REPAIRING: cancelled at REPAIRING, the instance destroyed once', async () => {
    await fresh();
    const abort = new AbortController();
    h.driver.hang('kiln_item_0');
    void h.driver.reached('kiln_item_0').then(() => abort.abort('cancelled'));
    const { artifact, stages } = await h.build({ buildContent: 'RUN true', repairMode: 'Standard', repairItems: ['GUESTOS.Dhcp'] }, { abort, executionId: 'exec-cr' });
    assert.equal(cancelled(artifact).phase, 'REPAIRING');
    assert.deepEqual(stages, ['PREPARING', 'REPAIRING']);
    await releasedOnce(h.driver, ['exec-cr']);
  });

  test('during BUILDING: cancelled at BUILDING with the steps run so far, the instance destroyed once, no later step run', async () => {
    await fresh();
    const abort = new AbortController();
    h.driver.hang('sleep 1000');
    void h.driver.reached('sleep 1000').then(() => abort.abort('cancelled'));
    const { artifact, stages } = await h.build({ buildContent: 'RUN echo one\nRUN sleep 1000\nRUN echo never', testContent: 'RUN true' }, { abort, executionId: 'exec-cb' });
    const a = cancelled(artifact);
    assert.equal(a.phase, 'BUILDING');
    assert.equal(a.steps.run, 1);
    assert.deepEqual(stages, ['PREPARING', 'BUILDING']);
    assert.ok(!h.driver.commands().some((c) => c.includes('never')));
    await releasedOnce(h.driver, ['exec-cb']);
  });

  test('during TESTING: cancelled at TESTING (not a built image), both instances destroyed once', async () => {
    await fresh();
    const abort = new AbortController();
    h.driver.hang('sleep 1000');
    void h.driver.reached('sleep 1000').then(() => abort.abort('cancelled'));
    const { artifact, stages } = await h.build({ buildContent: 'RUN echo one', testContent: 'RUN sleep 1000' }, { abort, executionId: 'exec-ct' });
    assert.equal(cancelled(artifact).phase, 'TESTING');
    assert.deepEqual(stages, ['PREPARING', 'BUILDING', 'TESTING']);
    await releasedOnce(h.driver, ['exec-ct', 'exec-ct-t']);
  });

  test('a cancel with DeleteInstanceOnFailure=false keeps nothing', async () => {
    await fresh();
    const abort = new AbortController();
    h.driver.hang('sleep 1000');
    void h.driver.reached('sleep 1000').then(() => abort.abort('cancelled'));
    const a = cancelled((await h.build({ buildContent: 'RUN sleep 1000', deleteInstanceOnFailure: false }, { abort, executionId: 'exec-ck' })).artifact);
    assert.equal(a.phase, 'BUILDING');
    await releasedOnce(h.driver, ['exec-ck']);
  });
});
