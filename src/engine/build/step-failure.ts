/**
 * Why a build stopped at a step: a stable `code` for the execution's ErrorCode and a
 * sentence for ErrorInfo that names the line ("line 3: `RUN false` exited with code 1").
 */
export class StepFailure extends Error {
  constructor(
    readonly code: string,
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
