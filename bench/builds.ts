import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import EcsModule, * as $Ecs from '@alicloud/ecs20140526';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { loadConfig } from '../src/config/config.js';
import { serve } from '../src/main/serve.js';

/*
 * Build latency: time from StartImagePipelineExecution to SUCCESS (as a client polling
 * DescribeImagePipelineExecutions every 50 ms sees it) for an empty template and for
 * 20 `RUN true` steps on busybox; the difference over 20 is the per-step overhead.
 * Kiln runs in this process with one worker; requests go over HTTP through the official SDK.
 */

const Ecs = EcsModule.default;
const REGION = 'cn-hangzhou';
const TERMINAL = new Set(['SUCCESS', 'PARTITION_SUCCESS', 'FAILED', 'TEST_FAILED', 'CANCELLED']);

export interface BuildRow {
  case: string;
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

async function timeBuild(client: InstanceType<typeof Ecs>, pipelineId: string): Promise<number> {
  const started = performance.now();
  const res = await client.startImagePipelineExecution(new $Ecs.StartImagePipelineExecutionRequest({ regionId: REGION, imagePipelineId: pipelineId }));
  const executionId = res.body!.executionId!;
  for (;;) {
    const d = await client.describeImagePipelineExecutions(new $Ecs.DescribeImagePipelineExecutionsRequest({ regionId: REGION, executionId }));
    const e = d.body!.imagePipelineExecution!.imagePipelineExecutionSet![0]!;
    if (TERMINAL.has(e.status!)) {
      if (e.status !== 'SUCCESS') throw new Error(`bench build ended ${e.status}: ${e.errorCode} ${e.errorInfo}`);
      return performance.now() - started;
    }
    await sleep(50);
  }
}

function row(name: string, times: number[]): BuildRow {
  const sorted = [...times].sort((a, b) => a - b);
  return { case: name, runs: times.length, medianMs: sorted[Math.floor(sorted.length / 2)]!, minMs: sorted[0]!, maxMs: sorted[sorted.length - 1]! };
}

/** Measures the build cases (`runs` builds each, after one warm-up build that also makes the base image). */
export async function benchBuilds(runs = 3): Promise<BuildRow[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kiln-bench-builds-'));
  const running = await serve(loadConfig({ KILN_DATA_DIR: dataDir, KILN_PORT: '0', KILN_HOST: '127.0.0.1', KILN_WORKERS: '1', KILN_PIPELINE_QUOTA: '1000' }));
  try {
    const port = Number(new URL(running.endpoint).port);
    const client = new Ecs(new $OpenApiUtil.Config({
      accessKeyId: running.credentials.accessKeyId, accessKeySecret: running.credentials.accessKeySecret,
      regionId: REGION, endpoint: `127.0.0.1:${port}`, protocol: 'http',
    }));
    const create = async (buildContent?: string) => (await client.createImagePipeline(new $Ecs.CreateImagePipelineRequest({
      regionId: REGION, baseImageType: 'IMAGE', baseImage: 'busybox_x64_20G_kiln_base.vhd', ...(buildContent ? { buildContent } : {}),
    }))).body!.imagePipelineId!;
    const empty = await create();
    const twenty = await create(Array.from({ length: 20 }, () => 'RUN true').join('\n'));
    await timeBuild(client, empty); // warm-up: makes the busybox base once
    const rows: BuildRow[] = [];
    for (const [name, id] of [['empty template', empty], ['20 × RUN true', twenty]] as const) {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) times.push(await timeBuild(client, id));
      rows.push(row(name, times));
    }
    return rows;
  } finally {
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The table `npm run bench` prints for builds. */
export function formatBuildRows(rows: BuildRow[]): string {
  const lines = ['Build latency (Start → SUCCESS, busybox, one in-process worker):', 'case              runs  median ms  min ms  max ms'];
  for (const r of rows) lines.push(`${r.case.padEnd(18)}${String(r.runs).padStart(4)}${r.medianMs.toFixed(0).padStart(11)}${r.minMs.toFixed(0).padStart(8)}${r.maxMs.toFixed(0).padStart(8)}`);
  const empty = rows.find((r) => r.case === 'empty template');
  const twenty = rows.find((r) => r.case.startsWith('20'));
  if (empty && twenty) lines.push(`per-step overhead ≈ (${twenty.medianMs.toFixed(0)} − ${empty.medianMs.toFixed(0)}) / 20 = ${((twenty.medianMs - empty.medianMs) / 20).toFixed(0)} ms`);
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('builds.ts')) {
  console.log(formatBuildRows(await benchBuilds(Number(process.env.BENCH_BUILD_RUNS ?? 3))));
}
