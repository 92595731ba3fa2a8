import type { BuiltImage, EnginePhase, KeptInstance, RepairItemResult, TestResult } from '../../domain/build-artifact.js';
import type { BuildContext } from '../../domain/builder.js';
import type { ResolvedContent } from '../../domain/buildcontent/index.js';
import { findInstanceType } from '../../domain/catalog/instance-types.js';
import type { Image } from '../../domain/image.js';
import { cacheModeOf } from '../../domain/step-cache.js';
import type { StorageQuotas } from '../../domain/storage-quota.js';
import type { RunnableImage } from '../base-layers.js';
import type { LazyInstance } from '../build/lazy-instance.js';
import type { StepRunner } from '../build/step-runner.js';
import { DEFAULT_TASK_OUTPUT_MAX_BYTES } from '../build/task-output.js';
import { BuildCache } from '../cache/build-cache.js';
import type { EngineDeps } from '../engine-deps.js';
import type { ImageConfigState } from '../image-config.js';
import type { LayerBlob } from '../layers/capture-layer.js';

/** The instance settings of the template's InstanceType, SystemDiskSize and bandwidth. */
export interface InstanceLimits {
  instanceType: string;
  memoryMiB: number;
  cpus: number;
  diskGiB: number;
  network: 'none' | 'user';
}

/** The live instance of the build: the intermediate one (PREPARING … BUILDING), then the test one. */
export interface InstanceSlot {
  role: 'build' | 'test';
  name: string;
  instance: LazyInstance;
}

/**
 * What the phases of one build share. The settings are fixed when the build starts; each phase
 * fills in what it made (the fields below `stage`), which the later phases and the artifact read.
 */
export interface BuildState {
  readonly ctx: BuildContext;
  readonly deps: EngineDeps;
  readonly limits: InstanceLimits;
  readonly quotas: StorageQuotas;
  readonly stepTimeoutMs: number;
  readonly taskOutputMaxBytes: number;
  /** This execution's view of the step cache (flushed on every exit by `prepare`'s cleanup). */
  readonly cache: BuildCache;
  /** The stage announced last: where a failure or a cancel happened. */
  stage: EnginePhase;
  /** The step running when the build stopped (`line 3`, `RepairMode`), if one was. */
  step?: string;
  /** The base image as the template resolved it, and its layers ready to run. */
  base?: { image: Image; runnable: RunnableImage };
  test?: ResolvedContent;
  build?: ResolvedContent;
  /** The image configuration the build's steps change. */
  config?: ImageConfigState;
  /** Runs REPAIRING's and BUILDING's steps on the intermediate instance, through the step cache. */
  runner?: StepRunner;
  /** The one instance the build holds at a time (see `instance-slot.ts`). */
  slot?: InstanceSlot;
  repairLayers: LayerBlob[];
  repair?: RepairItemResult[];
  image?: BuiltImage;
  testResult: TestResult;
  /** Set by the cleanup that kept the intermediate instance (DeleteInstanceOnFailure=false). */
  kept?: KeptInstance;
}

const DEFAULT_STEP_TIMEOUT_MS = 3_600_000;
const NO_QUOTAS: StorageQuotas = { imageBytes: 0, cacheBytes: 0 };

/** The state a build starts from: its settings, its step cache, nothing made yet. */
export function initialState(ctx: BuildContext, deps: EngineDeps): BuildState {
  const { pipeline, execution } = ctx;
  const type = findInstanceType(pipeline.instanceType);
  const quotas = deps.quotas?.(execution.accountId) ?? NO_QUOTAS;
  return {
    ctx,
    deps,
    limits: {
      instanceType: pipeline.instanceType,
      memoryMiB: (type?.memorySizeGiB ?? 8) * 1024,
      cpus: type?.cpuCoreCount ?? 2,
      diskGiB: pipeline.systemDiskSize,
      network: pipeline.internetMaxBandwidthOut > 0 ? 'user' : 'none',
    },
    quotas,
    stepTimeoutMs: deps.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
    taskOutputMaxBytes: deps.taskOutputMaxBytes ?? DEFAULT_TASK_OUTPUT_MAX_BYTES,
    cache: new BuildCache({
      store: deps.stepCache, blobs: deps.blobs, scope: { accountId: execution.accountId, regionId: execution.regionId }, executionId: execution.id,
      mode: cacheModeOf(pipeline.tags, execution.tags), quotaBytes: quotas.cacheBytes,
    }),
    stage: 'PREPARING',
    repairLayers: [],
    testResult: { status: 'notRun' },
  };
}

/** A field an earlier phase must have set (a phase run out of order is a bug, not a build failure). */
export function made<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the build has no ${what} yet: a phase ran out of order`);
  return value;
}

/** Announces a stage (the execution's status and message) and remembers it as where the build is. */
export async function enter(state: BuildState, stage: EnginePhase, message: string): Promise<void> {
  state.stage = stage;
  state.step = undefined;
  await state.ctx.stage(stage, message);
}
