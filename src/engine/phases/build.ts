import type { BaseImageAttributes, BuiltImage } from '../../domain/build-artifact.js';
import type { Image } from '../../domain/image.js';
import { ecsTime } from '../../domain/time.js';
import { StepFailure } from '../build/step-failure.js';
import type { StepRunner } from '../build/step-runner.js';
import { writeImage } from '../image/oci-image.js';
import { planSteps } from '../plan/plan.js';
import { enter, made, type BuildState } from './build-state.js';
import { releaseInstance } from './instance-slot.js';
import { noCleanup, type Phase } from './run-phases.js';

/**
 * BUILDING: each step of the build content a container and a layer (or a step-cache hit), then
 * the startup command; then the OCI image (config and manifest over the base image's, RepairMode's
 * and the steps' layers) is written into the blob store and the intermediate instance released.
 */
export const build: Phase<BuildState> = {
  name: 'build',
  async run(state) {
    const { ctx, cache } = state;
    const runner = made(state.runner, 'step runner');
    const steps = state.build ? planSteps(state.build) : [];
    const cacheNote = cache.mode === 'use' ? '' : cache.mode === 'refresh' ? ' (step cache bypassed for this execution: every step runs)' : ' (step cache off for this template)';
    await enter(state, 'BUILDING', `Building: ${steps.length} step(s) on ${made(state.base, 'base image').image.imageId}${cacheNote}.`);
    await runSteps(state, runner, async () => {
      await runner.runAll(steps);
      await runner.installStartupCommand();
    });
    await cache.flush();
    state.image = await writeBuiltImage(state, runner);
    const stepsSummary = `Steps: ${cache.summary()}.`;
    ctx.log('system', `${stepsSummary}\n`);
    await ctx.progress(`The image was written with ${state.image.newLayers} new layer(s). ${stepsSummary}`);
    // TESTING starts a fresh instance: the build never holds two.
    await releaseInstance(state);
  },
  cleanup: noCleanup,
};

/** Runs steps, noting the step a failure or a cancel stopped at. */
export async function runSteps(state: BuildState, runner: StepRunner, steps: () => Promise<void>): Promise<void> {
  try {
    await steps();
  } catch (err) {
    state.step = runner.at;
    throw err;
  }
}

async function writeBuiltImage(state: BuildState, runner: StepRunner): Promise<BuiltImage> {
  const { ctx, deps } = state;
  const { pipeline, execution } = ctx;
  const base = made(state.base, 'base image');
  const created = ecsTime();
  const layers = [...base.runnable.layers, ...state.repairLayers, ...runner.captured];
  for (const l of layers) {
    // Pins keep them (see gc/collect-garbage.ts); this catches a blob removed by hand.
    if (!(await deps.blobs.has(l.digest))) throw new StepFailure('LayerMissing', `Layer ${l.digest} of the image is no longer in the blob store; start the execution again (the step cache will not reuse it).`);
  }
  const { manifestDigest, configDigest } = await writeImage(deps.blobs, {
    layers, config: made(state.config, 'image configuration'), created,
    history: [
      ...base.runnable.layers.map(() => `base image ${pipeline.baseImage ?? ''}`),
      ...state.repairLayers.map(() => `RepairMode=${pipeline.repairMode ?? ''} repairs of ${execution.id}`),
      ...runner.capturedBy,
    ],
    annotations: { 'com.kiln.execution': execution.id },
  });
  return {
    manifestDigest, configDigest,
    layers: layers.map((l) => ({ digest: l.digest, size: l.size })),
    newLayers: state.repairLayers.length + runner.captured.length,
    baseImageId: base.image.imageId,
    baseAttributes: baseAttributesOf(base.image),
    creationTime: created,
  };
}

/** What a built image carries over from its base (see `BuiltImage.baseAttributes`). */
function baseAttributesOf(base: Image): BaseImageAttributes {
  const { osType, osName, osNameEn, platform, architecture, bootMode, isSupportCloudinit } = base;
  return { osType, osName, osNameEn, platform, architecture, bootMode, isSupportCloudinit };
}
