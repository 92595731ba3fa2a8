/**
 * The error classes the engine and the worker throw inside a build, and what an execution
 * ends with when one reaches the worker. They are not codes: each becomes a registered code
 * (or a status without one), so the execution codes in the registry are the whole list a
 * client can see. Listed in docs/errors.md.
 */
export interface EngineErrorClass {
  readonly name: string;
  /** The module that defines it. */
  readonly where: string;
  readonly meaning: string;
  /** What the execution ends with. */
  readonly becomes: string;
}

export const ENGINE_ERROR_CLASSES: readonly EngineErrorClass[] = [
  {
    name: 'StepFailure', where: 'src/engine/build/step-failure.ts', meaning: 'A step (or the base image, repair, an OSS transfer, registration) failed for a reason the build owner can read.',
    becomes: 'FAILED (TEST_FAILED in TESTING) with the failure\'s own registered code as ErrorCode and its sentence as ErrorInfo.',
  },
  { name: 'StepCancelled', where: 'src/engine/build/step-failure.ts', meaning: 'The build\'s cancel (or its whole-build limit) stopped a step.', becomes: 'CANCELLED, or FAILED with BuildTimeout when the limit stopped it.' },
  { name: 'BuildStopped', where: 'src/worker/worker.ts', meaning: 'The worker refused the build\'s next stage because a cancel was requested.', becomes: 'CANCELLED.' },
  { name: 'RuntimeError', where: 'src/engine/instance/run-container.ts', meaning: 'runc itself failed (bad config, missing binary, mount error), not the build command.', becomes: 'FAILED with InternalError (details in the server log).' },
  { name: 'SysCallError', where: 'src/engine/system/sys-helper-error.ts', meaning: 'A system call of the privileged helper failed (errno kept).', becomes: 'FAILED with InternalError (details in the server log).' },
  { name: 'OutputListenerError', where: 'src/engine/instance/instance.ts', meaning: 'The build log could not take a step\'s output.', becomes: 'FAILED with InternalError, the reason in ErrorInfo.' },
  { name: 'UnknownUserError', where: 'src/engine/instance/user.ts', meaning: 'A step runs as a user the image does not have.', becomes: 'FAILED with UserNotFound.' },
  { name: 'InvalidLayerError', where: 'src/engine/layers/layer-errors.ts', meaning: 'A stored layer cannot be unpacked (unsafe member, too large, not a tar).', becomes: 'FAILED with InvalidImage.UnsafeLayer, InvalidImage.LayerTooLarge or InvalidImage.LayerUnreadable.' },
  { name: 'ObjectStoreError', where: 'src/oss/object-store.ts', meaning: 'The object store refused or failed a request (kind NotFound, AccessDenied, Unavailable, Failed).', becomes: 'FAILED with InvalidImagePipeline.OSSObjectNotFound, …OSSObjectNotAuthorized, OSS.Unavailable or OSS.RequestFailed.' },
  { name: 'any other error', where: '', meaning: 'A bug or an unexpected failure.', becomes: 'FAILED with InternalError (details in the server log).' },
];
