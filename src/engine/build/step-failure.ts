import type { ErrorCode } from '../../domain/errors.js';

/**
 * Why a build stopped at a step: a registered `code` (domain/errors/registry.ts; the execution
 * codes are listed in docs/errors.md) for the execution's ErrorCode and a sentence for
 * ErrorInfo that names the line ("line 3: `RUN false` exited with code 1").
 */
export class StepFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly info: string,
  ) {
    super(info);
    this.name = 'StepFailure';
  }
}

/** The build was cancelled while a step ran. */
export class StepCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'StepCancelled';
  }
}
