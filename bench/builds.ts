import { randomBytes } from 'node:crypto';
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
 * DescribeImagePipelineExecutions every BENCH_POLL_MS (default 20) ms sees it) for an empty template, for 1 and for 21
 * no-op `RUN true` steps on busybox; (21 steps − 1 step) / 20 is the per-step overhead (the
 * 1-step build pays for creating the instance, which an empty build no longer makes).
 * Kiln runs in this process with one worker; requests go over HTTP through the official SDK.
 * Every measured step build is a template of its own whose steps carry a per-run marker
 * (`RUN true <marker>`), so a step cache never turns the measurement into a cache hit.
 */

const Ecs = EcsModule.default;
export type EcsClient = InstanceType<typeof Ecs>;
export const REGION = 'cn-hangzhou';
const TERMINAL = new Set(['SUCCESS', 'PARTITION_SUCCESS', 'FAILED', 'TEST_FAILED', 'CANCELLED']);
export const BUSYBOX_IMAGE = 'busybox_x64_20G_kiln_base.vhd';

export interface BuildRow {
  case: string;
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

/** Runs one execution of `pipelineId`, polling it every `pollMs` ms; returns its image's id once it ended SUCCESS, throws if it ended otherwise. */
export async function runBuild(client: EcsClient, pipelineId: string, pollMs: number): Promise<string> {
  const res = await client.startImagePipelineExecution(new $Ecs.StartImagePipelineExecutionRequest({ regionId: REGION, imagePipelineId: pipelineId }));
  const executionId = res.body!.executionId!;
  for (;;) {
    const d = await client.describeImagePipelineExecutions(new $Ecs.DescribeImagePipelineExecutionsRequest({ regionId: REGION, executionId }));
    const e = d.body!.imagePipelineExecution!.imagePipelineExecutionSet![0]!;
    if (TERMINAL.has(e.status!)) {
      if (e.status !== 'SUCCESS') throw new Error(`bench build ended ${e.status}: ${e.errorCode} ${e.errorInfo}`);
      return e.imageId!;
    }
    await sleep(pollMs);
  }
}

/** Start → SUCCESS of one execution of `pipelineId`, in ms, as a client polling every BENCH_POLL_MS (default 20) ms sees it. */
export async function timeBuild(client: EcsClient, pipelineId: string): Promise<number> {
  const started = performance.now();
  await runBuild(client, pipelineId, Number(process.env.BENCH_POLL_MS ?? 20));
  return performance.now() - started;
}

/** A Kiln (`serve`) in this process with one build worker, on `dataDir`, and an official-SDK client for it. */
export interface InProcessKiln {
  client: EcsClient;
  /** CreateImagePipeline in REGION (BaseImageType IMAGE); returns the template id. */
  createPipeline(fields: { baseImage: string; buildContent?: string; internetMaxBandwidthOut?: number }): Promise<string>;
  /** See `timeBuild`. */
  timeBuild(pipelineId: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startInProcessKiln(dataDir: string): Promise<InProcessKiln> {
  const running = await serve(loadConfig({ KILN_DATA_DIR: dataDir, KILN_PORT: '0', KILN_HOST: '127.0.0.1', KILN_WORKERS: '1', KILN_PIPELINE_QUOTA: '1000' }));
  const port = Number(new URL(running.endpoint).port);
  const client = new Ecs(new $OpenApiUtil.Config({
    accessKeyId: running.credentials.accessKeyId, accessKeySecret: running.credentials.accessKeySecret,
    regionId: REGION, endpoint: `127.0.0.1:${port}`, protocol: 'http',
  }));
  return {
    client,
    async createPipeline({ baseImage, buildContent, internetMaxBandwidthOut }) {
      const res = await client.createImagePipeline(new $Ecs.CreateImagePipelineRequest({
        regionId: REGION, baseImageType: 'IMAGE', baseImage,
        ...(buildContent ? { buildContent } : {}),
        ...(internetMaxBandwidthOut !== undefined ? { internetMaxBandwidthOut } : {}),
      }));
      return res.body!.imagePipelineId!;
    },
    timeBuild: (id) => timeBuild(client, id),
    stop: () => running.stop(),
  };
}

function row(name: string, times: number[]): BuildRow {
  const sorted = [...times].sort((a, b) => a - b);
  return { case: name, runs: times.length, medianMs: sorted[Math.floor(sorted.length / 2)]!, minMs: sorted[0]!, maxMs: sorted[sorted.length - 1]! };
}

/** Measures the build cases (`runs` builds each, after one warm-up build that also makes the base image). */
export async function benchBuilds(runs = 3): Promise<BuildRow[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kiln-bench-builds-'));
  try {
    const kiln = await startInProcessKiln(dataDir);
    try {
      const empty = await kiln.createPipeline({ baseImage: BUSYBOX_IMAGE });
      await kiln.timeBuild(empty); // warm-up: makes the busybox base once
      const emptyTimes: number[] = [];
      for (let i = 0; i < runs; i++) emptyTimes.push(await kiln.timeBuild(empty));
      const stepTimes = async (n: number): Promise<number[]> => {
        const times: number[] = [];
        for (let i = 0; i < runs; i++) {
          const marker = `run-${randomBytes(4).toString('hex')}`;
          const id = await kiln.createPipeline({ baseImage: BUSYBOX_IMAGE, buildContent: Array.from({ length: n }, (_, s) => `RUN true ${marker}-${s + 1}`).join('\n') });
          times.push(await kiln.timeBuild(id));
        }
        return times;
      };
      const one = await stepTimes(1);
      const twentyOne = await stepTimes(21);
      return [row('empty template', emptyTimes), row('1 × RUN true', one), row('21 × RUN true', twentyOne)];
    } finally {
      await kiln.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Per-step overhead from the build rows: (21 steps − 1 step) / 20, in ms; undefined without both rows. */
export function perStepOverheadMs(rows: readonly BuildRow[]): number | undefined {
  const one = rows.find((r) => r.case.startsWith('1 '));
  const many = rows.find((r) => r.case.startsWith('21 '));
  return one && many ? (many.medianMs - one.medianMs) / 20 : undefined;
}

/** The table `npm run bench` prints for builds. */
export function formatBuildRows(rows: BuildRow[]): string {
  const lines = ['Build latency (Start → SUCCESS, busybox, one in-process worker):', 'case              runs  median ms  min ms  max ms'];
  for (const r of rows) lines.push(`${r.case.padEnd(18)}${String(r.runs).padStart(4)}${r.medianMs.toFixed(0).padStart(11)}${r.minMs.toFixed(0).padStart(8)}${r.maxMs.toFixed(0).padStart(8)}`);
  const one = rows.find((r) => r.case.startsWith('1 '));
  const many = rows.find((r) => r.case.startsWith('21 '));
  const perStep = perStepOverheadMs(rows);
  if (one && many && perStep !== undefined) lines.push(`per-step overhead ≈ (${many.medianMs.toFixed(0)} − ${one.medianMs.toFixed(0)}) / 20 = ${perStep.toFixed(0)} ms`);
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('builds.ts')) {
  console.log(formatBuildRows(await benchBuilds(Number(process.env.BENCH_BUILD_RUNS ?? 3))));
}
