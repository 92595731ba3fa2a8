import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { BuildExecution } from '../../src/app/build-execution.js';
import { ImageRegistry } from '../../src/app/image-registry.js';
import type { BuildArtifact, BuiltArtifact } from '../../src/domain/build-artifact.js';
import type { BuildContext, BuildRunner } from '../../src/domain/builder.js';
import { isTerminal, type Execution } from '../../src/domain/execution.js';
import { newAccountImage } from '../../src/domain/image.js';
import type { ImagePipeline } from '../../src/domain/pipeline.js';
import type { Scope, Store } from '../../src/domain/ports.js';
import { ecsTime } from '../../src/domain/time.js';
import { createStore } from '../../src/store/create-store.js';
import { Worker } from '../../src/worker/worker.js';

/*
 * What an execution means, over a real SQLite store and a real worker, with a scripted engine
 * (the engine's own lifecycle has its tests; the e2e tests run both with runc): the app registers
 * the image the engine made, distributes it and writes the fields, in the worker's terminal
 * transaction; a build that lost its lease by then registers nothing.
 */

let dir: string;
let store: Store;
let n = 0;
const QUOTA = 1_000;
const WORKER_ID = 'build-execution-test-worker';
const registry = (): ImageRegistry => new ImageRegistry({ store, quotas: () => ({ imageBytes: QUOTA, cacheBytes: 0 }) });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-build-execution-'));
  store = await createStore({ dataDir: dir });
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const BUSYBOX_ATTRIBUTES = { osType: 'linux', osName: 'BusyBox 64位', osNameEn: 'BusyBox 64 bit', platform: 'Others Linux', architecture: 'x86_64', bootMode: 'BIOS', isSupportCloudinit: false } as const;

const digest = (): string => `sha256:${randomBytes(32).toString('hex')}`;

function built(over: Partial<BuiltArtifact> = {}, bytes = 10): BuiltArtifact {
  return {
    outcome: 'built',
    image: { manifestDigest: digest(), configDigest: digest(), layers: [{ digest: digest(), size: bytes }], newLayers: 1, baseImageId: 'busybox_x64_20G_kiln_base.vhd', baseAttributes: BUSYBOX_ATTRIBUTES, creationTime: ecsTime() },
    steps: { cacheMode: 'use', run: 1, reused: 0, perStep: [] },
    test: { status: 'notRun' },
    ...over,
  };
}

async function queued(over: Partial<ImagePipeline> = {}): Promise<{ scope: Scope; execution: Execution; pipeline: ImagePipeline }> {
  const k = ++n;
  const scope = { accountId: String(6_000_000_000 + k), regionId: 'cn-hangzhou' };
  await store.accounts.insert({ id: scope.accountId, name: 'owner', creationTime: ecsTime() });
  const pipeline: ImagePipeline = {
    id: `ip-build-execution-${process.pid}-${k}`, ...scope, name: `tpl-${k}`, baseImageType: 'IMAGE', baseImage: 'busybox_x64_20G_kiln_base.vhd',
    buildContent: 'RUN true', vSwitchId: 'vsw-x', instanceType: 'ecs.g6.large', systemDiskSize: 40, internetMaxBandwidthOut: 0,
    deleteInstanceOnFailure: true, toRegionIds: [], addAccounts: [], resourceGroupId: 'rg-x', repairItems: [], tags: [], creationTime: ecsTime(),
    imageOptions: { imageName: `img-${k}`, imageTags: [{ key: 'team', value: 'a' }] },
    ...over,
  };
  await store.pipelines.insert(pipeline, []);
  const execution: Execution = {
    id: `exec-build-execution-${process.pid}-${k}`, pipelineId: pipeline.id, ...scope, status: 'PREPARING', message: 'queued', resourceGroupId: 'rg-x', tags: [],
    creationTime: ecsTime(), modifiedTime: ecsTime(),
  };
  await store.executions.insert(execution);
  return { scope, execution, pipeline };
}

/** An engine that walks into BUILDING and returns `artifact` (after `beforeReturn`, if given). */
function engine(artifact: BuildArtifact, beforeReturn?: (ctx: BuildContext) => Promise<void>): BuildRunner {
  return {
    async run(ctx) {
      await ctx.stage('BUILDING', 'Building: 1 step(s).');
      await beforeReturn?.(ctx);
      return artifact;
    },
    async cleanupLeftovers() {
      return [];
    },
  };
}

/**
 * Runs the queued executions through a worker over `runner` until `until` holds; the worker's
 * store counts its transactions (its terminal writes of recorded outcomes).
 */
async function withWorker(runner: BuildRunner, until: (transactions: number) => Promise<boolean>): Promise<void> {
  let transactions = 0;
  const observed = Object.create(store) as Store;
  observed.transaction = async (work) => {
    try {
      return await store.transaction(work);
    } finally {
      transactions++;
    }
  };
  const w = new Worker({ id: WORKER_ID, store: observed, builder: new BuildExecution(runner, registry()), leaseMs: 30_000, pollMs: 20 });
  w.start();
  try {
    for (let i = 0; !(await until(transactions)); i++) {
      if (i > 400) throw new Error('timed out waiting for the worker');
      await sleep(25);
    }
  } finally {
    await w.stop();
  }
}

/** Runs the execution through a worker over `runner` until it ends; its row then. */
async function ended(runner: BuildRunner, scope: Scope, execution: Execution): Promise<Execution> {
  let last: Execution | undefined;
  await withWorker(runner, async () => {
    last = await store.executions.get(scope, execution.id);
    return last !== undefined && isTerminal(last.status);
  });
  return last!;
}

const logsOf = async (id: string): Promise<string> => (await store.executionLogs.read(id, 0, 1000)).map((c) => c.text).join('');

describe('BuildExecution', () => {
  test('a built image is registered as the template names it and distributed; one copy refused: PARTITION_SUCCESS with the reason', async () => {
    const friend = String(6_900_000_000 + ++n);
    await store.accounts.insert({ id: friend, name: 'friend', creationTime: ecsTime() });
    const { scope, execution, pipeline } = await queued({ toRegionIds: ['cn-beijing', 'cn-shanghai'], addAccounts: [friend] });
    const imageName = `${pipeline.imageOptions!.imageName}_${execution.id}`;
    // cn-shanghai already has an image of that name.
    const taken = newAccountImage({ imageId: `m-taken-${n}`, accountId: scope.accountId, regionId: 'cn-shanghai', imageName, size: 20, creationTime: ecsTime(), tags: [], manifestDigest: digest() });
    await store.transaction((tx) => registry().register(tx, taken, [], 'a fixture'));
    const done = await ended(engine(built()), scope, execution);

    assert.equal(done.status, 'PARTITION_SUCCESS', JSON.stringify(done));
    assert.equal(done.errorCode, 'DistributionFailed');
    assert.match(done.errorInfo ?? '', /^Copy to cn-shanghai failed: .*\(InvalidImageName\.Duplicated\)\.$/);
    const image = await store.images.getOwned(scope, done.imageId!);
    assert.equal(image?.imageName, imageName);
    assert.deepEqual(image?.tags, [{ key: 'team', value: 'a' }]);
    assert.equal(image?.sourceExecutionId, execution.id);
    const [copy] = (await store.images.listVisible({ ...scope, regionId: 'cn-beijing' }));
    assert.equal(copy?.imageName, imageName);
    assert.deepEqual(copy?.tags, []);
    assert.deepEqual(await store.images.shares(scope, image!.imageId), [friend]);
    const logs = await logsOf(execution.id);
    assert.match(logs, /\[DISTRIBUTING\] Distributing image .*: 2 region\(s\), 1 account\(s\)\./);
    assert.match(logs, new RegExp(`copied ${image!.imageId} to cn-beijing as ${copy!.imageId}`));
    assert.match(logs, new RegExp(`shared ${image!.imageId}, ${copy!.imageId} with account ${friend}`));
  });

  test('a built image keeps the kind of image its base is: OS names, platform, architecture, BootMode, cloud-init', async () => {
    const { scope, execution } = await queued();
    const vm = { osType: 'linux', osName: 'Debian 12 64位', osNameEn: 'Debian 12 64 bit', platform: 'Debian', architecture: 'x86_64', bootMode: 'UEFI-Preferred', isSupportCloudinit: false } as const;
    const artifact = built();
    const done = await ended(engine({ ...artifact, image: { ...artifact.image, baseImageId: 'debian_12_x64_20G_kiln_vm.vhd', baseAttributes: vm } }), scope, execution);
    assert.equal(done.status, 'SUCCESS', JSON.stringify(done));
    const image = await store.images.getOwned(scope, done.imageId!);
    assert.deepEqual(
      { osType: image?.osType, osName: image?.osName, osNameEn: image?.osNameEn, platform: image?.platform, architecture: image?.architecture, bootMode: image?.bootMode, isSupportCloudinit: image?.isSupportCloudinit },
      vm,
    );
  });

  test('a failed test keeps the image: TEST_FAILED with the test\'s code and the image id', async () => {
    const { scope, execution } = await queued();
    const failure = { code: 'BuildCommandFailed' as const, where: { phase: 'TESTING' as const, step: 'line 1' }, info: 'line 1: the command exited with code 1.' };
    const done = await ended(engine(built({ test: { status: 'failed', failure } })), scope, execution);
    assert.equal(done.status, 'TEST_FAILED');
    assert.equal(done.errorCode, 'BuildCommandFailed');
    assert.equal(done.errorInfo, `TestContent ${failure.info}`);
    assert.ok(await store.images.getOwned(scope, done.imageId!), 'the image is registered');
  });

  test('an image past the quota: FAILED with QuotaExceed.ImageStorage, and no image', async () => {
    const { scope, execution, pipeline } = await queued();
    const done = await ended(engine(built({}, QUOTA + 1)), scope, execution);
    assert.equal(done.status, 'FAILED');
    assert.equal(done.errorCode, 'QuotaExceed.ImageStorage');
    assert.equal(done.imageId ?? '', '');
    assert.equal(await store.images.nameTaken(scope, `${pipeline.imageOptions!.imageName}_${execution.id}`), false);
  });

  test('a cancel that arrived as the engine finished: CANCELLED in the app\'s stage, and no image', async () => {
    const { scope, execution, pipeline } = await queued();
    const runner = engine(built(), async () => {
      assert.ok(await store.executions.update(scope, execution.id, { status: 'CANCELLING' }, ['BUILDING']));
    });
    const done = await ended(runner, scope, execution);
    assert.equal(done.status, 'CANCELLED');
    assert.equal(done.message, 'Cancelled during RELEASING: the build was stopped and its resources released.');
    assert.equal(done.imageId ?? '', '');
    assert.equal(await store.images.nameTaken(scope, `${pipeline.imageOptions!.imageName}_${execution.id}`), false);
  });

  test('a build whose lease was taken over before it ended registers nothing and writes no status', async () => {
    const { scope, execution, pipeline } = await queued();
    let transactions = 0;
    const runner = engine(built(), async () => {
      // Another worker takes the execution over (as after a lease that ran out).
      await store.executions.release(execution.id, WORKER_ID);
      assert.equal((await store.executions.claim('the-other-worker', 60_000))?.execution.id, execution.id);
    });
    await withWorker(runner, async (t) => {
      transactions = t;
      return t > 0;
    });
    assert.equal(transactions, 1, 'the terminal transaction ran');
    const status = (await store.executions.get(scope, execution.id))?.status;
    assert.equal(isTerminal(status!), false, `not ended by the worker that lost it (${status})`);
    assert.equal(await store.images.nameTaken(scope, `${pipeline.imageOptions!.imageName}_${execution.id}`), false);
  });
});
