/**
 * One phase of a build, Packer style: `run` does the phase's work on the shared state (and throws
 * to stop the build); `cleanup` undoes or finishes what `run` started. `cleanup` runs for every
 * phase whose `run` was called, even one that threw, whatever ended the build.
 */
export interface Phase<S> {
  readonly name: string;
  run(state: S): Promise<void>;
  /** `exit`: how the phases ended (a cleanup may keep something on a failure, e.g. a kept instance). */
  cleanup(state: S, exit: PhaseExit): Promise<void>;
}

/** How a run of phases ended: every phase ran, or one threw (`failedIn` names it). */
export type PhaseExit = { ok: true } | { ok: false; failedIn: string; error: unknown };

/**
 * Runs the phases in order until one throws, then the cleanups of every phase that ran, in reverse
 * order (each one even when another failed). Returns how the phases ended; a cleanup that threw
 * makes it throw afterwards (an `AggregateError` when several did), as something the build made may
 * be left behind.
 */
export async function runPhases<S>(phases: readonly Phase<S>[], state: S): Promise<PhaseExit> {
  const ran: Phase<S>[] = [];
  let exit: PhaseExit = { ok: true };
  for (const phase of phases) {
    ran.push(phase);
    try {
      await phase.run(state);
    } catch (error) {
      exit = { ok: false, failedIn: phase.name, error };
      break;
    }
  }
  const errors: Error[] = [];
  for (const phase of ran.reverse()) {
    try {
      await phase.cleanup(state, exit);
    } catch (err) {
      errors.push(new Error(`cleanup of ${phase.name} failed: ${(err as Error).message}`, { cause: err }));
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => e.message).join('; '));
  return exit;
}

/** Nothing to undo. */
export const noCleanup = async (): Promise<void> => undefined;
