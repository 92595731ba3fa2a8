import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import EcsModule, * as $Ecs from '@alicloud/ecs20140526';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { RuncInstanceDriver } from '../../src/engine/instance/runc-driver.js';
import type { Store } from '../../src/domain/ports.js';
import { REGION, type EcsClient } from './kiln.js';
import { createPipeline, type PipelineFields } from './ecs-requests.js';

/*
 * Real builds on runc for the tests (end-to-end, engine, security, examples), driven through
 * the official SDK over HTTP. A template is created and started with the SDK, its execution is followed by
 * polling DescribeImagePipelineExecutions until a terminal status, its logs are read from the
 * store, and each test ends by checking that the build left nothing on the machine.
 */

export { $Ecs, REGION };

export type ExecutionItem = $Ecs.DescribeImagePipelineExecutionsResponseBodyImagePipelineExecutionImagePipelineExecutionSet;
export type ImageItem = $Ecs.DescribeImagesResponseBodyImagesImage;

export const TERMINAL = ['SUCCESS', 'PARTITION_SUCCESS', 'FAILED', 'TEST_FAILED', 'CANCELLED'];

/** Generous: a busybox build takes about a second, but the machine may be busy. */
export const BUILD_TIMEOUT_MS = 120_000;

export async function startExecution(client: EcsClient, pipelineId: string, regionId = REGION): Promise<string> {
  const res = await client.startImagePipelineExecution(new $Ecs.StartImagePipelineExecutionRequest({ regionId, imagePipelineId: pipelineId }));
  const id = res.body?.executionId ?? '';
  assert.match(id, /^exec-[0-9a-f]{32}$/);
  return id;
}

export async function describeExecution(client: EcsClient, executionId: string, regionId = REGION): Promise<ExecutionItem> {
  const res = await client.describeImagePipelineExecutions(new $Ecs.DescribeImagePipelineExecutionsRequest({ regionId, executionId }));
  const item = res.body?.imagePipelineExecution?.imagePipelineExecutionSet?.[0];
  assert.ok(item, `execution ${executionId} is not described`);
  assert.equal(item.executionId, executionId);
  return item;
}

/** Polls DescribeImagePipelineExecutions until `ok` holds; returns the item and every status seen on the way. */
export async function waitForExecution(
  client: EcsClient, executionId: string, ok: (e: ExecutionItem) => boolean, what: string, timeoutMs = BUILD_TIMEOUT_MS,
): Promise<{ item: ExecutionItem; seen: string[] }> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const item = await describeExecution(client, executionId);
    if (seen.at(-1) !== item.status) seen.push(item.status ?? '');
    if (ok(item)) return { item, seen };
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what} of ${executionId}; statuses seen: ${seen.join(' → ')}; last: ${JSON.stringify(item)}`);
    }
    await sleep(100);
  }
}

export const isTerminal = (e: ExecutionItem): boolean => TERMINAL.includes(e.status ?? '');

export interface Built {
  pipelineId: string;
  executionId: string;
  /** The execution in its terminal status, as DescribeImagePipelineExecutions reports it. */
  item: ExecutionItem;
  /** Statuses seen while polling (in order, without repeats). */
  seen: string[];
}

/** Creates a template on busybox (unless `fields` say otherwise), starts it and waits for its terminal status. */
export async function build(client: EcsClient, fields: PipelineFields): Promise<Built> {
  const pipelineId = await createPipeline(client, fields);
  return buildExisting(client, pipelineId);
}

/** Starts an existing template and waits for its terminal status. */
export async function buildExisting(client: EcsClient, pipelineId: string): Promise<Built> {
  const executionId = await startExecution(client, pipelineId);
  const { item, seen } = await waitForExecution(client, executionId, isTerminal, 'a terminal status');
  return { pipelineId, executionId, item, seen };
}

/** Everything the build wrote to its log (all streams, in order), as the store holds it. */
export async function logsOf(store: Store, executionId: string): Promise<string> {
  let text = '';
  let after = 0;
  for (;;) {
    const chunks = await store.executionLogs.read(executionId, after, 500);
    if (chunks.length === 0) return text;
    for (const c of chunks) text += c.text;
    after = chunks.at(-1)!.seq;
  }
}

/** The logs once they are complete (a worker flushes them before writing the terminal status; this also waits for `text`). */
export async function logsContaining(store: Store, executionId: string, text: string | RegExp, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const logs = await logsOf(store, executionId);
    if (typeof text === 'string' ? logs.includes(text) : text.test(logs)) return logs;
    if (Date.now() > deadline) assert.fail(`the logs of ${executionId} never contained ${String(text)}:\n${logs}`);
    await sleep(100);
  }
}

const run = promisify(execFile);

/** What the build of `executionId` left on this machine: the driver's leftovers and any `kiln-<executionId>…` runc container. */
export async function leftoversOf(dataDir: string, executionId: string): Promise<string[]> {
  const found = await new RuncInstanceDriver({ dataDir }).leftovers(executionId);
  const { stdout } = await run('runc', ['list', '-q']);
  const containers = stdout.split('\n').map((l) => l.trim()).filter((id) => id.startsWith(`kiln-${executionId}`));
  return [...found, ...containers.map((c) => `runc list: ${c}`)];
}

/** Asserts the build left nothing behind (no container, mount, cgroup, netns, process, loop device or folder). */
export async function assertNoLeftovers(dataDir: string, executionId: string): Promise<void> {
  assert.deepEqual(await leftoversOf(dataDir, executionId), [], `leftovers of ${executionId}`);
}

/** The same, waiting for another process (a new worker) to reap them. */
export async function waitNoLeftovers(dataDir: string, executionId: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await leftoversOf(dataDir, executionId);
    if (left.length === 0) return;
    if (Date.now() > deadline) assert.deepEqual(left, [], `leftovers of ${executionId}`);
    await sleep(200);
  }
}

/** DescribeImages in a region, as the given client's account sees it. */
export async function describeImages(client: EcsClient, fields: { regionId?: string; imageId?: string; imageName?: string; imageOwnerAlias?: string } = {}): Promise<ImageItem[]> {
  const res = await client.describeImages(new $Ecs.DescribeImagesRequest({ regionId: REGION, pageSize: 100, ...fields }));
  assert.equal(res.statusCode, 200);
  return res.body?.images?.image ?? [];
}

/** The official client (V3 signing) for a Kiln at `endpoint` (`http://host:port`), signed with the given key. */
export function clientAt(endpoint: string, key: { accessKeyId: string; accessKeySecret: string }): EcsClient {
  const url = new URL(endpoint);
  return new EcsModule.default(new $OpenApiUtil.Config({ ...key, regionId: REGION, endpoint: url.host, protocol: 'http' }));
}

/** The default account's key that `kiln serve` wrote to `<dataDir>/default-credentials.json`. */
export function defaultCredentials(dataDir: string): { accountId: string; accessKeyId: string; accessKeySecret: string } {
  return JSON.parse(readFileSync(join(dataDir, 'default-credentials.json'), 'utf8')) as { accountId: string; accessKeyId: string; accessKeySecret: string };
}

/** A short unique template/image name prefix for one test. */
let counter = 0;
export function uniqueName(tag: string): string {
  return `e2e-${tag}-${process.pid}-${++counter}`;
}
