import { runnableImage } from '../base-layers.js';
import { StepCancelled, StepFailure } from '../build/step-failure.js';
import { StepRunner } from '../build/step-runner.js';
import { ossAccessFor } from '../oss/oss-access.js';
import { STEP_ROLE } from '../../oss/oss-grants.js';
import { initialConfig } from '../image-config.js';
import { planSteps } from '../plan/plan.js';
import { VmTestError, withConsole } from '../vm-test/vm-instance.js';
import { enter, made, type BuildState } from './build-state.js';
import { noCleanup, type Phase } from './run-phases.js';
import { runSteps } from './build.js';
import { chooseTestInstance, openTestInstance, vmTestSteps } from './test-instance.js';

/**
 * TESTING (templates with test content): the test steps run on a fresh instance made from the
 * built image — a VM booted from it when it has a kernel, else a runc container on its layers
 * (`test-instance.ts`); they keep no layers and use no step cache. A step that fails is the
 * test's result (the image was built), not the build's failure; a cancel stops the build.
 */
export const test: Phase<BuildState> = {
  name: 'test',
  async run(state) {
    const { ctx, deps } = state;
    const { pipeline, execution } = ctx;
    const steps = state.test ? planSteps(state.test) : [];
    if (steps.length === 0) return;
    const image = made(state.image, 'built image');
    const built = await runnableImage({ imageId: `the new image (${image.manifestDigest})`, manifestDigest: image.manifestDigest }, deps.layers, deps.blobs, ctx.signal);
    let tester: StepRunner | undefined;
    try {
      const choice = await chooseTestInstance(state, built);
      const where = choice.kind === 'vm' ? 'a VM booted from the image' : 'a fresh container instance';
      await enter(state, 'TESTING', `Testing the new image: ${steps.length} step(s) on ${where}.`);
      ctx.log('system', `Testing on ${where}: ${choice.why}.\n`);
      const instance = await openTestInstance(state, choice.kind, `${execution.id}-t`, built);
      if (choice.kind === 'vm') await instance.ready();
      const runner = new StepRunner({
        instance, layers: deps.layers, config: initialConfig(built.config), limits: state.limits, stepTimeoutMs: state.stepTimeoutMs,
        taskOutputMaxBytes: state.taskOutputMaxBytes, signal: ctx.signal, captureLayers: false,
        oss: ossAccessFor(deps.oss, pipeline.accountId, STEP_ROLE),
        log: ctx.log,
        ...(deps.telemetry ? { telemetry: deps.telemetry } : {}),
        onStep: (i, total, step) => ctx.progress(`Testing: step ${i}/${total} (${step.where}).`),
      });
      tester = runner;
      await runSteps(state, runner, () => runner.runAll(choice.kind === 'vm' ? vmTestSteps(steps) : steps));
    } catch (err) {
      // a VM (or its agent) stopped by the build's cancel is the cancel, not the test's failure
      if (ctx.signal.aborted) throw err instanceof StepCancelled ? err : new StepCancelled();
      const failure = err instanceof VmTestError ? await vmFailure(state, steps.length, tester, err) : err;
      if (!(failure instanceof StepFailure)) throw failure;
      state.testResult = { status: 'failed', failure: { code: failure.code, where: { phase: 'TESTING', ...(state.step ? { step: state.step } : {}) }, info: failure.info } };
      return;
    }
    state.testResult = { status: 'passed', steps: steps.length };
  },
  cleanup: noCleanup,
};

/** A VM test that could not go on fails the test, naming the step (or the boot) and quoting the console. */
async function vmFailure(state: BuildState, steps: number, tester: StepRunner | undefined, err: VmTestError): Promise<StepFailure> {
  if (state.stage !== 'TESTING') await enter(state, 'TESTING', `Testing the new image: ${steps} step(s) on a VM booted from the image.`);
  state.step = tester?.at;
  // ErrorInfo reads `TestContent <info>`
  const info = tester?.at ? `${tester.at}: ${withConsole(err)}` : `could not run in a VM: ${withConsole(err)}`;
  state.ctx.log('system', `kiln: TestContent ${info}\n`);
  return new StepFailure('VmTestFailed', info);
}
