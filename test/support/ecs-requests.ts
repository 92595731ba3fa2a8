import assert from 'node:assert/strict';
import * as $Ecs from '@alicloud/ecs20140526';
import { expectError, REGION, type CaughtError, type Clients, type EcsClient } from './kiln.js';

/*
 * Requests to Kiln's ECS operations for the tests (conformance, end-to-end, engine, security,
 * examples): request builders over the official SDK models, and assertions on the error an
 * official client saw.
 */

export { $Ecs };

export const BUSYBOX = 'busybox_x64_20G_kiln_base.vhd';
export const DEBIAN = 'debian_minbase_x64_20G_kiln_base.vhd';
/** The Debian 12 VM base (a kernel; boots once exported): seed it with `seedDebianVm` (support/vm-base.ts) before building on it. */
export const DEBIAN_VM = 'debian_12_x64_20G_kiln_vm.vhd';
export const BUSYBOX_FAMILY = 'acs:busybox_x64';

/** The data fields of an SDK model (no methods). */
type Fields<T> = { [K in keyof T as T[K] extends (...args: never[]) => unknown ? never : K]?: T[K] };

export type PipelineFields = Fields<$Ecs.CreateImagePipelineRequest>;
export type ComponentFields = Fields<$Ecs.CreateImageComponentRequest>;
export type PipelineItem = $Ecs.DescribeImagePipelinesResponseBodyImagePipelineImagePipelineSet;
export type ComponentItem = $Ecs.DescribeImageComponentsResponseBodyImageComponentImageComponentSet;

/** A CreateImagePipeline request: IMAGE on busybox in cn-hangzhou unless `fields` say otherwise. */
export function pipelineRequest(fields: PipelineFields = {}): $Ecs.CreateImagePipelineRequest {
  return new $Ecs.CreateImagePipelineRequest({ regionId: REGION, baseImageType: 'IMAGE', baseImage: BUSYBOX, ...fields });
}

export async function createPipeline(client: EcsClient, fields: PipelineFields = {}): Promise<string> {
  const res = await client.createImagePipeline(pipelineRequest(fields));
  assert.equal(res.statusCode, 200);
  assert.match(res.body?.requestId ?? '', /^[0-9A-F-]{36}$/);
  const id = res.body?.imagePipelineId;
  assert.match(id ?? '', /^ip-[a-z0-9]+$/);
  return id!;
}

export function pipelineTags(pairs: Array<[string, string]>): $Ecs.CreateImagePipelineRequestTag[] {
  return pairs.map(([key, value]) => new $Ecs.CreateImagePipelineRequestTag({ key, value }));
}

export function imageOptions(o: { imageName?: string; imageFamily?: string; description?: string; nvmeSupport?: string; imageTags?: Array<[string, string]> }): $Ecs.CreateImagePipelineRequestImageOptions {
  const m = new $Ecs.CreateImagePipelineRequestImageOptions({ imageName: o.imageName, imageFamily: o.imageFamily, description: o.description });
  if (o.nvmeSupport !== undefined) m.imageFeatures = new $Ecs.CreateImagePipelineRequestImageOptionsImageFeatures({ nvmeSupport: o.nvmeSupport });
  if (o.imageTags) m.imageTags = o.imageTags.map(([key, value]) => new $Ecs.CreateImagePipelineRequestImageOptionsImageTags({ key, value }));
  return m;
}

export interface DiskMapping { bucket?: string; object?: string; format?: string; size?: number }

export function importImageOptions(o: {
  architecture?: string; osType?: string; platform?: string; bootMode?: string; licenseType?: string; nvmeSupport?: string;
  mappings?: DiskMapping[];
}): $Ecs.CreateImagePipelineRequestImportImageOptions {
  const m = new $Ecs.CreateImagePipelineRequestImportImageOptions({
    architecture: o.architecture, OSType: o.osType, platform: o.platform, bootMode: o.bootMode, licenseType: o.licenseType,
  });
  if (o.mappings) {
    m.diskDeviceMappings = o.mappings.map((d) => new $Ecs.CreateImagePipelineRequestImportImageOptionsDiskDeviceMappings({
      OSSBucket: d.bucket, OSSObject: d.object, format: d.format, diskImageSize: d.size,
    }));
  }
  if (o.nvmeSupport !== undefined) m.features = new $Ecs.CreateImagePipelineRequestImportImageOptionsFeatures({ nvmeSupport: o.nvmeSupport });
  return m;
}

/** A valid OSS import: one system disk. */
export function ossFields(o: Parameters<typeof importImageOptions>[0] = {}): PipelineFields {
  return {
    baseImageType: 'OSS',
    baseImage: undefined,
    importImageOptions: importImageOptions({ mappings: [{ bucket: 'my-images', object: 'exports/root.qcow2', format: 'QCOW2', size: 40 }], ...o }),
  };
}

export async function describePipelines(client: EcsClient, fields: Fields<$Ecs.DescribeImagePipelinesRequest> = {}): Promise<$Ecs.DescribeImagePipelinesResponseBody> {
  const res = await client.describeImagePipelines(new $Ecs.DescribeImagePipelinesRequest({ regionId: REGION, ...fields }));
  assert.equal(res.statusCode, 200);
  assert.ok(res.body);
  return res.body;
}

/** The one template with this id, as DescribeImagePipelines returns it. */
export async function describePipeline(client: EcsClient, id: string): Promise<PipelineItem> {
  const body = await describePipelines(client, { imagePipelineId: [id] });
  assert.equal(body.totalCount, 1);
  const item = body.imagePipeline?.imagePipelineSet?.[0];
  assert.ok(item);
  assert.equal(item.imagePipelineId, id);
  return item;
}

export function pipelineIds(body: $Ecs.DescribeImagePipelinesResponseBody): string[] {
  return (body.imagePipeline?.imagePipelineSet ?? []).map((p) => p.imagePipelineId!);
}

export function componentRequest(fields: ComponentFields = {}): $Ecs.CreateImageComponentRequest {
  return new $Ecs.CreateImageComponentRequest({ regionId: REGION, content: 'RUN echo hello', ...fields });
}

export async function createComponent(client: EcsClient, fields: ComponentFields = {}): Promise<string> {
  const res = await client.createImageComponent(componentRequest(fields));
  assert.equal(res.statusCode, 200);
  assert.match(res.body?.requestId ?? '', /^[0-9A-F-]{36}$/);
  const id = res.body?.imageComponentId;
  assert.match(id ?? '', /^ic-[a-z0-9]+$/);
  return id!;
}

export function componentTags(pairs: Array<[string, string]>): $Ecs.CreateImageComponentRequestTag[] {
  return pairs.map(([key, value]) => new $Ecs.CreateImageComponentRequestTag({ key, value }));
}

export async function describeComponents(client: EcsClient, fields: Fields<$Ecs.DescribeImageComponentsRequest> = {}): Promise<$Ecs.DescribeImageComponentsResponseBody> {
  const res = await client.describeImageComponents(new $Ecs.DescribeImageComponentsRequest({ regionId: REGION, ...fields }));
  assert.equal(res.statusCode, 200);
  assert.ok(res.body);
  return res.body;
}

export async function describeComponent(client: EcsClient, id: string): Promise<ComponentItem> {
  const body = await describeComponents(client, { imageComponentId: [id] });
  assert.equal(body.totalCount, 1);
  const item = body.imageComponent?.imageComponentSet?.[0];
  assert.ok(item);
  assert.equal(item.imageComponentId, id);
  return item;
}

export function componentIds(body: $Ecs.DescribeImageComponentsResponseBody): string[] {
  return (body.imageComponent?.imageComponentSet ?? []).map((c) => c.imageComponentId!);
}

/** Tags of a Describe item as `[key, value]` pairs, sorted by key. */
export function tagPairs(tags: { tag?: Array<{ tagKey?: string; tagValue?: string }> } | undefined): Array<[string, string]> {
  return (tags?.tag ?? []).map((t): [string, string] => [t.tagKey ?? '', t.tagValue ?? '']).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Runs an SDK call that must fail with `code` and HTTP `status` (the RPC error body must
 * carry the same code); returns what the client saw.
 */
export async function expectCode(call: () => Promise<unknown>, code: string, status: number): Promise<CaughtError> {
  const e = await expectError(call);
  assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
  assert.equal(e.statusCode, status, `${code}: HTTP status`);
  assert.equal(e.data.Code, code);
  assert.match(String(e.data.RequestId ?? ''), /^[0-9A-F-]{36}$/);
  return e;
}

/**
 * The same for @alicloud/pop-core, which throws on any error `Code` without exposing the
 * status on the error itself; the HTTP status is in `err.entry.response.statusCode`.
 */
export async function expectPopCode(call: () => Promise<unknown>, code: string, status: number): Promise<{ message: string; data: Record<string, unknown> }> {
  try {
    await call();
  } catch (err) {
    const e = err as { code?: string; message?: string; data?: Record<string, unknown>; entry?: { response?: { statusCode?: number } } };
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    assert.equal(e.entry?.response?.statusCode, status, `${code}: HTTP status`);
    return { message: e.message ?? '', data: e.data ?? {} };
  }
  assert.fail(`the call succeeded but ${code} was expected`);
}

/** A pop-core POST (form body) in cn-hangzhou. */
export function popPost(pop: Clients['pop'], action: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  return pop.request<Record<string, unknown>>(action, { RegionId: REGION, ...params }, { method: 'POST' });
}
