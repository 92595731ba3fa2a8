import { runnableImage } from '../base-layers.js';
import { StepFailure } from '../build/step-failure.js';
import { StepRunner } from '../build/step-runner.js';
import { ossAccessFor } from '../oss/oss-access.js';
import { STEP_ROLE } from '../../oss/oss-grants.js';
import { initialConfig } from '../image-config.js';
import { planSteps } from '../plan/plan.js';
import { enter, made, type BuildState } from './build-state.js';
import { openInstance } from './instance-slot.js';
import { noCleanup, type Phase } from './run-phases.js';
import { runSteps } from './build.js';

/**
 * TESTING (templates with test content): the test steps run on a fresh instance started from the
 * built image's layers; they keep no layers and use no step cache. A step that fails is the test's
 * result (the image was built), not the build's failure; a cancel stops the build.
 */
export const test: Phase<BuildState> = {
  name: 'test',
  async run(state) {
    const { ctx, deps } = state;
    const { pipeline, execution } = ctx;
    const steps = state.test ? planSteps(state.test) : [];
    if (steps.length === 0) return;
    const image = made(state.image, 'built image');
    await enter(state, 'TESTING', `Testing the new image: ${steps.length} step(s) on a fresh instance.`);
    const built = await runnableImage({ imageId: `the new image (${image.manifestDigest})`, manifestDigest: image.manifestDigest }, deps.layers, deps.blobs, ctx.signal);
    const instance = openInstance(state, 'test', `${execution.id}-t`, built.dirs);
    const tester = new StepRunner({
      instance, layers: deps.layers, config: initialConfig(built.config), limits: state.limits, stepTimeoutMs: state.stepTimeoutMs,
      taskOutputMaxBytes: state.taskOutputMaxBytes, signal: ctx.signal, captureLayers: false,
      oss: ossAccessFor(deps.oss, pipeline.accountId, STEP_ROLE),
      log: ctx.log,
      onStep: (i, total, step) => ctx.progress(`Testing: step ${i}/${total} (${step.where}).`),
    });
    try {
      await runSteps(state, tester, () => tester.runAll(steps));
    } catch (err) {
      if (!(err instanceof StepFailure)) throw err;
      state.testResult = { status: 'failed', failure: { code: err.code, where: { phase: 'TESTING', ...(state.step ? { step: state.step } : {}) }, info: err.info } };
      return;
    }
    state.testResult = { status: 'passed', steps: steps.length };
  },
  cleanup: noCleanup,
};
