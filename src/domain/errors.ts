/**
 * Domain errors are data: a wire code (as documented by the ECS API), a human message,
 * and who is at fault. The API layer maps codes to HTTP status with one table
 * (`api/rpc/http-status.ts`); nothing else in the domain knows about HTTP.
 */
export type Fault = 'client' | 'server';

export class KilnError extends Error {
  override readonly name = 'KilnError';
  constructor(
    /** The documented error code, e.g. `InvalidSystemDiskSize.NotSupportedValue`. */
    readonly code: string,
    message: string,
    /** `client` errors are the caller's to fix (4xx); `server` errors are ours (5xx). */
    readonly fault: Fault = 'client',
  ) {
    super(message);
  }
}

export function isKilnError(e: unknown): e is KilnError {
  return e instanceof KilnError;
}

/** `MissingParameter.<Name>` — a required parameter is absent or empty. */
export function missingParameter(name: string): KilnError {
  return new KilnError(`MissingParameter.${name}`, `The input parameter "${name}" that is mandatory for processing this request is not supplied.`);
}

/** `InvalidParameter` for a value of the wrong type or shape, naming the parameter. */
export function invalidParameter(name: string, detail?: string): KilnError {
  return new KilnError('InvalidParameter', `The specified parameter "${name}" is not valid${detail ? `: ${detail}` : '.'}`);
}
