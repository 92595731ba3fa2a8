import { formatBytes } from '../../domain/bytes.js';
import type { Image } from '../../domain/image.js';
import { distinctBytes } from '../../domain/storage-quota.js';
import { IMPORT_ROLE, STEP_ROLE } from '../../oss/oss-grants.js';
import { runnableImage } from '../base-layers.js';
import { StepCancelled, StepFailure } from '../build/step-failure.js';
import { StepRunner } from '../build/step-runner.js';
import { baseChain } from '../cache/step-key.js';
import { initialConfig } from '../image-config.js';
import { ossAccessFor } from '../oss/oss-access.js';
import { importOssBase } from '../oss/oss-base-image.js';
import type { BuildState } from './build-state.js';
import { openInstance, releaseInstance } from './instance-slot.js';
import type { Phase, PhaseExit } from './run-phases.js';

/**
 * PREPARING: resolves what the template refers to now (it may have changed since creation), makes
 * the base image's layers ready, and sets up the intermediate instance (created when the first
 * step that is not in the step cache runs) with the step runner REPAIRING and BUILDING use.
 * Its cleanup ends the build on every exit: the instance released (or kept after a failure with
 * DeleteInstanceOnFailure=false), what the build ran recorded in the step cache, garbage
 * collection told a build ended.
 */
export const prepare: Phase<BuildState> = {
  name: 'prepare',
  async run(state) {
    const { ctx, deps, limits, quotas, cache } = state;
    const { pipeline, execution } = ctx;
    const base = await resolveBase(state);
    if (!base) throw new StepFailure('InvalidImage.NotFound', `The base image ${pipeline.baseImage ?? '(OSS import)'} does not exist or is not visible to this account.`);
    state.build = await deps.resolveContent(pipeline, 'build');
    state.test = await deps.resolveContent(pipeline, 'test');
    ctx.log('system', `Preparing base image ${base.imageId} (system base images are made on this machine the first time they are used).\n`);
    await ctx.progress(`Preparing base image ${base.imageId}.`);
    const runnable = await runnableImage(base, deps.layers, deps.blobs, ctx.signal);
    if (ctx.signal.aborted) throw new StepCancelled();
    state.base = { image: base, runnable };
    const baseBytes = distinctBytes(runnable.layers);
    if (quotas.imageBytes > 0 && baseBytes > quotas.imageBytes) {
      throw new StepFailure('QuotaExceed.ImageStorage', `The base image ${base.imageId} alone holds ${formatBytes(baseBytes)} (${baseBytes} bytes) of layers, more than the image storage quota of account ${execution.accountId} (${formatBytes(quotas.imageBytes)}, ${quotas.imageBytes} bytes): no image built on it could be registered.`);
    }
    cache.pin(runnable.layers.map((l) => l.digest));
    await cache.flush();
    await ctx.stage('PREPARING', `Preparing the intermediate instance (${pipeline.instanceType}: ${limits.cpus} vCPU, ${limits.memoryMiB / 1024} GiB; ${limits.diskGiB} GiB disk; network ${limits.network}); it is created when the first step that is not in the step cache runs.`);
    const instance = openInstance(state, 'build', execution.id, runnable.dirs);
    state.config = initialConfig(runnable.config);
    state.runner = new StepRunner({
      instance, layers: deps.layers, config: state.config, limits, stepTimeoutMs: state.stepTimeoutMs, taskOutputMaxBytes: state.taskOutputMaxBytes,
      signal: ctx.signal, captureLayers: true,
      // OSSDownload/OSSUpload reach OSS as Image Builder's service-linked role of the template's account.
      oss: ossAccessFor(deps.oss, pipeline.accountId, STEP_ROLE),
      cache: { cache, blobs: deps.blobs, chain: baseChain(runnable.layers.map((l) => l.digest), runnable.config) },
      ...(quotas.imageBytes > 0 ? { imageQuota: { accountId: execution.accountId, bytes: quotas.imageBytes, below: () => [...runnable.layers, ...state.repairLayers] } } : {}),
      log: ctx.log,
      ...(deps.telemetry ? { telemetry: deps.telemetry } : {}),
      onStep: (i, total, step) => ctx.progress(`Building: step ${i}/${total} (${step.where}).`),
    });
  },
  async cleanup(state, exit) {
    await releaseInstance(state, keepsInstance(state, exit));
    // What the build ran is kept for the next one even when it failed (it resumes at the failed step).
    await state.cache.flush().catch((err: unknown) => state.ctx.log('system', `The step cache could not record this build's steps: ${(err as Error).message}\n`));
    state.deps.gc?.afterBuild();
  },
};

/** A failed build keeps its intermediate instance for inspection when the template says so (not a cancelled one). */
function keepsInstance(state: BuildState, exit: PhaseExit): boolean {
  if (exit.ok || !(exit.error instanceof StepFailure) || state.ctx.signal.aborted) return false;
  return state.slot?.role === 'build' && !state.ctx.pipeline.deleteInstanceOnFailure;
}

/** The template's base image: found by id or family, or BaseImageType=OSS imported from the object store. */
async function resolveBase(state: BuildState): Promise<Image | undefined> {
  const { ctx, deps } = state;
  const { pipeline, execution } = ctx;
  if (pipeline.baseImageType !== 'OSS') return deps.findBaseImage(pipeline);
  // The import reads OSS as the cloud does: through the template's RoleName (default ECS's import role), in the template's account.
  const oss = ossAccessFor(deps.oss, pipeline.accountId, pipeline.importImageOptions?.roleName || IMPORT_ROLE);
  return importOssBase({ oss, blobs: deps.blobs, layers: deps.layers, registerBase: deps.registerBase }, { pipeline, executionId: execution.id, log: ctx.log, signal: ctx.signal });
}
