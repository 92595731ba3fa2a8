import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ImageComponent } from '../../src/domain/component.js';
import { parseContent, type ResolvedContent } from '../../src/domain/buildcontent/index.js';
import { runnableImage } from '../../src/engine/base-layers.js';
import type { BlobStore } from '../../src/blobs/blob-store.js';
import { StepFailure } from '../../src/engine/build/step-failure.js';
import type { LayerStore } from '../../src/engine/layers/layer-store.js';
import { storeFailure } from '../../src/engine/oss/oss-access.js';
import { runOssDownload, type OssStepContext } from '../../src/engine/oss/oss-steps.js';
import { planSteps } from '../../src/engine/plan/plan.js';
import { ObjectStoreError } from '../../src/oss/object-store.js';
import type { FailedBuild } from '../../src/domain/build-artifact.js';
import { LifecycleHarness } from '../support/lifecycle-harness.js';

/*
 * Execution codes of the engine that the end-to-end suites do not reach (they need a Cloud
 * Assistant, a Windows instance, an object store that breaks, or an image with no root
 * filesystem), each produced by the unit that makes it.
 */

function yamlComponent(tasks: string, systemType: 'Linux' | 'Windows' = 'Linux'): ResolvedContent {
  const text = `Tasks:\n${tasks}`;
  const component: ImageComponent = {
    id: 'ic-codes', accountId: '1001', regionId: 'cn-hangzhou', name: 'codes', systemType, componentType: 'Build',
    componentVersion: '1.0.0', content: text, owner: 'SELF', parameters: [], tags: [], creationTime: '2024-01-01T00:00:00Z',
  };
  return {
    instructions: [{ line: 1, keyword: 'COMPONENT', ref: { kind: 'id', id: component.id }, params: {}, component, content: parseContent(text, 'component', systemType), parameterValues: {} }],
    componentIds: [component.id],
  };
}

test('InvokeCommand.NotSupported and InvalidImage.OsTypeUnsupported: component actions Kiln has no instance for', () => {
  const linux = planSteps(yamlComponent('  - Name: common\n    Action: InvokeCommand\n    Properties:\n      commandId: c-common\n'));
  // Resolution refuses Windows components in a build; the plan still never runs one.
  const windows = planSteps(yamlComponent('  - Name: windows\n    Action: RunPowerShellCommand\n    Properties:\n      commandContent: Write-Output hi\n', 'Windows'));
  assert.deepEqual([...linux, ...windows].map((s) => (s.op === 'unsupported' ? s.code : s.op)), ['InvokeCommand.NotSupported', 'InvalidImage.OsTypeUnsupported']);
});

test('InvalidImage.NotReady: a base image with no root filesystem on this Kiln', async () => {
  // Neither built nor imported here (no manifest) nor a system image: nothing is read.
  await assert.rejects(runnableImage({ imageId: 'm-elsewhere' }, {} as LayerStore, {} as BlobStore),
    (e: unknown) => e instanceof StepFailure && e.code === 'InvalidImage.NotReady');
});

test('OSS.Unavailable and OSS.RequestFailed: an object store that is down or answers with an error', () => {
  assert.equal(storeFailure(new ObjectStoreError('Unavailable', 'connection refused'), 'line 1: ').code, 'OSS.Unavailable');
  assert.equal(storeFailure(new ObjectStoreError('Failed', 'InternalError from the store'), 'line 1: ').code, 'OSS.RequestFailed');
  assert.equal(storeFailure(new ObjectStoreError('NotFound', 'no such key'), 'line 1: ').code, 'InvalidImagePipeline.OSSObjectNotFound');
  assert.equal(storeFailure(new ObjectStoreError('AccessDenied', 'denied'), 'line 1: ').code, 'InvalidImagePipeline.OSSObjectNotAuthorized');
});

test('InvalidParameter.ObjectName: OSSDownload of a folder', async () => {
  const ctx = { oss: {}, resolve: (t: string) => t, signal: new AbortController().signal } as unknown as OssStepContext;
  await assert.rejects(runOssDownload({ op: 'ossDownload', where: 'line 1', bucket: 'b', object: 'dir/', destinationDir: '/' }, ctx),
    (e: unknown) => e instanceof StepFailure && e.code === 'InvalidParameter.ObjectName');
});

test('LayerMissing: a layer of the built image removed from the blob store before the image is written', async () => {
  const h = await LifecycleHarness.create();
  try {
    h.blobs.has = async () => false;
    const { artifact } = await h.build({ buildContent: 'RUN true' });
    assert.equal(artifact.outcome, 'failed', JSON.stringify(artifact));
    assert.equal((artifact as FailedBuild).failure.code, 'LayerMissing');
    assert.deepEqual(await h.driver.leftovers(''), [], 'the instance was released');
  } finally {
    await h.close();
  }
});
