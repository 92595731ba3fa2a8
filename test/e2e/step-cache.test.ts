import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { createAccount } from '../../src/auth/accounts.js';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { readImage } from '../../src/engine/image/oci-image.js';
import { REGION, startKiln, type EcsClient, type TestKiln } from '../support/kiln.js';
import { createPipeline, pipelineTags } from '../support/ecs-requests.js';
import { $Ecs, assertNoLeftovers, build, clientAt, isTerminal, logsContaining, uniqueName, waitForExecution, type Built } from '../support/builds.js';

/*
 * The step cache end to end: real builds on busybox through the SDK. Every RUN step writes a
 * random value (/proc/sys/kernel/random/uuid), so a step that really ran again can never give
 * the same layer: equal layer digests prove a step was reused, different ones that it ran.
 */

let kiln: TestKiln;
let blobs: LocalBlobStore;

before(async () => {
  kiln = await startKiln({ KILN_WORKERS: '1' });
  blobs = new LocalBlobStore(join(kiln.config.dataDir, 'blobs'));
});
after(async () => {
  await kiln?.stop();
});

/** n RUN steps, each writing a random value to its own file; `tag` makes a distinct template content. */
function steps(n: number, tag: string, override: Record<number, string> = {}): string {
  return Array.from({ length: n }, (_, i) => override[i + 1] ?? `RUN cat /proc/sys/kernel/random/uuid > /step-${i + 1}-${tag}`).join('\n');
}

async function layersOf(client: EcsClient, accountId: string, imageId: string): Promise<string[]> {
  void client;
  const image = await kiln.app.store.images.getOwned({ accountId, regionId: REGION }, imageId);
  assert.ok(image?.manifestDigest);
  return (await readImage(blobs, image.manifestDigest)).layers.map((l) => l.digest);
}

async function buildOk(client: EcsClient, fields: Parameters<typeof build>[1]): Promise<Built> {
  const b = await build(client, fields);
  assert.equal(b.item.status, 'SUCCESS', JSON.stringify(b.item));
  await assertNoLeftovers(kiln.config.dataDir, b.executionId);
  return b;
}

/** Starts an existing template, with execution tags, and waits for its end. */
async function start(client: EcsClient, pipelineId: string, tags: Array<[string, string]> = []): Promise<Built> {
  const res = await client.startImagePipelineExecution(new $Ecs.StartImagePipelineExecutionRequest({
    regionId: REGION, imagePipelineId: pipelineId, tag: tags.map(([key, value]) => new $Ecs.StartImagePipelineExecutionRequestTag({ key, value })),
  }));
  const executionId = res.body!.executionId!;
  const { item, seen } = await waitForExecution(client, executionId, isTerminal, 'a terminal status');
  return { pipelineId, executionId, item, seen };
}

const stepsRun = (b: Built): number => Number(/(\d+) step\(s\) run/.exec(b.item.message ?? '')?.[1] ?? NaN);
const stepsCached = (b: Built): number => Number(/(\d+) from the step cache/.exec(b.item.message ?? '')?.[1] ?? 0);

describe('the step cache', () => {
  test('an unchanged rebuild runs no step and gives the same layers, byte for byte; the logs say which steps came from the cache', async () => {
    const content = steps(6, uniqueName('same'));
    const first = await buildOk(kiln.clients.v3, { buildContent: content });
    assert.equal(stepsRun(first), 6, first.item.message);
    const again = await start(kiln.clients.v3, first.pipelineId);
    assert.equal(again.item.status, 'SUCCESS', JSON.stringify(again.item));
    assert.equal(stepsRun(again), 0, again.item.message);
    assert.equal(stepsCached(again), 6, again.item.message);
    const [a, b] = [await layersOf(kiln.clients.v3, kiln.credentials.accountId, first.item.imageId!), await layersOf(kiln.clients.v3, kiln.credentials.accountId, again.item.imageId!)];
    assert.equal(a.length, 7, 'the base layer and one layer per step');
    assert.deepEqual(b, a);
    const logs = await logsContaining(kiln.app.store, again.executionId, 'from the step cache (line 6)');
    for (let line = 1; line <= 6; line++) assert.match(logs, new RegExp(`from the step cache \\(line ${line}\\): not run`));
    await assertNoLeftovers(kiln.config.dataDir, again.executionId);
  });

  test('a change at step k of n reruns exactly n−k+1 steps: the layers below k are reused, the others are new', async () => {
    const tag = uniqueName('change');
    const n = 8;
    const k = 5;
    const first = await buildOk(kiln.clients.v3, { buildContent: steps(n, tag) });
    const changed = await buildOk(kiln.clients.v3, { buildContent: steps(n, tag, { [k]: `RUN cat /proc/sys/kernel/random/uuid > /changed-${tag}` }) });
    assert.equal(stepsRun(changed), n - k + 1, changed.item.message);
    assert.equal(stepsCached(changed), k - 1, changed.item.message);
    const a = await layersOf(kiln.clients.v3, kiln.credentials.accountId, first.item.imageId!);
    const b = await layersOf(kiln.clients.v3, kiln.credentials.accountId, changed.item.imageId!);
    assert.deepEqual(b.slice(0, k), a.slice(0, k), 'base + steps 1..k-1 reused');
    for (let i = k; i <= n; i++) assert.notEqual(b[i], a[i], `step ${i} ran again`);
  });

  test('a build that failed at step k resumes at step k once fixed; /tmp left by cached steps is restored for the steps that run', async () => {
    const tag = uniqueName('resume');
    const content = (fourth: string) => [
      `RUN cat /proc/sys/kernel/random/uuid > /one-${tag}`,
      `RUN echo carried-over > /tmp/note-${tag}`,
      `RUN cat /proc/sys/kernel/random/uuid > /three-${tag}`,
      fourth,
      `RUN cat /proc/sys/kernel/random/uuid > /five-${tag}`,
    ].join('\n');
    const failed = await build(kiln.clients.v3, { buildContent: content('RUN exit 3') });
    assert.equal(failed.item.status, 'FAILED', JSON.stringify(failed.item));
    assert.match(failed.item.errorInfo ?? '', /line 4/);
    await assertNoLeftovers(kiln.config.dataDir, failed.executionId);
    const fixed = await buildOk(kiln.clients.v3, { buildContent: content(`RUN test "$(cat /tmp/note-${tag})" = carried-over && cp /tmp/note-${tag} /note`) });
    assert.equal(stepsCached(fixed), 3, fixed.item.message);
    assert.equal(stepsRun(fixed), 2, fixed.item.message);
    const logs = await logsContaining(kiln.app.store, fixed.executionId, 'restoring /tmp');
    assert.match(logs, /from the step cache \(line 3\)/);
    assert.doesNotMatch(logs, /from the step cache \(line 4\)/);
  });

  test('bypass for one execution (tag kiln:step-cache=bypass) runs every step and refreshes the cache; kiln:step-cache=off on a template neither reads nor writes it', async () => {
    const content = steps(3, uniqueName('bypass'));
    const first = await buildOk(kiln.clients.v3, { buildContent: content });
    const bypassed = await start(kiln.clients.v3, first.pipelineId, [['kiln:step-cache', 'bypass']]);
    assert.equal(bypassed.item.status, 'SUCCESS', JSON.stringify(bypassed.item));
    assert.equal(stepsRun(bypassed), 3, bypassed.item.message);
    assert.match(bypassed.item.message ?? '', /bypassed for this execution/);
    const after = await start(kiln.clients.v3, first.pipelineId);
    assert.equal(stepsCached(after), 3, after.item.message);
    // the entries now hold the bypassed build's layers
    assert.deepEqual(await layersOf(kiln.clients.v3, kiln.credentials.accountId, after.item.imageId!), await layersOf(kiln.clients.v3, kiln.credentials.accountId, bypassed.item.imageId!));

    const offContent = steps(3, uniqueName('off'));
    const off = await buildOk(kiln.clients.v3, { buildContent: offContent, tag: pipelineTags([['kiln:step-cache', 'off']]) });
    assert.equal(stepsRun(off), 3, off.item.message);
    const offAgain = await start(kiln.clients.v3, off.pipelineId);
    assert.equal(stepsRun(offAgain), 3, offAgain.item.message);
    assert.match(offAgain.item.message ?? '', /step cache off for this template/);
    // nothing was recorded: the same content in a template without the tag runs every step
    const plain = await buildOk(kiln.clients.v3, { buildContent: offContent });
    assert.equal(stepsRun(plain), 3, plain.item.message);
  });

  test('one account never hits another account\'s cache', async () => {
    const content = steps(3, uniqueName('tenant'));
    const mine = await buildOk(kiln.clients.v3, { buildContent: content });
    assert.equal(stepsRun(mine), 3);
    const other = await createAccount(kiln.app.store, kiln.config.regions.map((r) => r.regionId), { name: 'cache-tenant' });
    const theirs = clientAt(kiln.endpoint, { accessKeyId: other.accessKey.id, accessKeySecret: other.accessKey.secret });
    const pipelineId = await createPipeline(theirs, { buildContent: content, baseImage: 'busybox_x64_20G_kiln_base.vhd', baseImageType: 'IMAGE' });
    const b = await start(theirs, pipelineId);
    assert.equal(b.item.status, 'SUCCESS', JSON.stringify(b.item));
    assert.equal(stepsRun(b), 3, b.item.message);
    assert.equal(stepsCached(b), 0, b.item.message);
    const again = await start(theirs, pipelineId);
    assert.equal(stepsCached(again), 3, 'their own cache works');
    await assertNoLeftovers(kiln.config.dataDir, b.executionId);
  });
});
