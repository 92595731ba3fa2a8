import type { BuildArtifact, StepCounts } from '../../domain/build-artifact.js';
import { StepCancelled, StepFailure } from '../build/step-failure.js';
import { made, type BuildState } from './build-state.js';
import type { PhaseExit } from './run-phases.js';

/**
 * The artifact of a build whose phases ended with `exit`: built (the test passed, failed or did not
 * run), failed (a `StepFailure` before TESTING's steps) or cancelled (the build's signal aborted).
 * Anything else is not a build outcome but an error of Kiln's own, rethrown.
 */
export function artifactOf(state: BuildState, exit: PhaseExit): BuildArtifact {
  const steps = stepCounts(state);
  if (exit.ok) {
    return {
      outcome: 'built', image: made(state.image, 'built image'), steps,
      ...(state.repair ? { repair: state.repair } : {}), test: state.testResult,
    };
  }
  if (exit.error instanceof StepCancelled || state.ctx.signal.aborted) return { outcome: 'cancelled', phase: state.stage, steps };
  if (!(exit.error instanceof StepFailure)) throw exit.error;
  return {
    outcome: 'failed',
    failure: { code: exit.error.code, where: { phase: state.stage, ...(state.step ? { step: state.step } : {}) }, info: exit.error.info },
    ...(state.kept ? { keptInstance: state.kept } : {}),
    steps,
    ...(state.repair ? { repair: state.repair } : {}),
  };
}

function stepCounts(state: BuildState): StepCounts {
  return { cacheMode: state.cache.mode, run: state.cache.runs, reused: state.cache.hits, perStep: [...(state.runner?.cacheUse ?? [])] };
}
