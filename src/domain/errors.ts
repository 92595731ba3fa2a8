import { ERROR_REGISTRY, errorSpec, messageOf, type ErrorCode, type MessageParams, type TemplatedCode } from './errors/registry.js';
import type { Fault } from './errors/spec.js';

/**
 * Domain errors are data: a registered code (`errors/registry.ts`: documented by the ECS API,
 * or Kiln's own), a human message, and who is at fault. The API layer maps codes to HTTP
 * status with one table derived from the registry (`api/rpc/http-status.ts`); nothing else in
 * the domain knows about HTTP.
 */
export type { Fault } from './errors/spec.js';
export type { ErrorCode } from './errors/registry.js';

export class KilnError extends Error {
  override readonly name = 'KilnError';
  /** `client` errors are the caller's to fix (4xx); `server` errors are ours (5xx). */
  readonly fault: Fault;
  constructor(
    /** The registered error code, e.g. `InvalidSystemDiskSize.NotSupportedValue`. */
    readonly code: ErrorCode,
    message: string,
    /** The registry's fault side of `code` unless given. */
    fault?: Fault,
  ) {
    super(message);
    this.fault = fault ?? errorSpec(code)?.fault ?? 'client';
  }
}

/** The error for a code whose message is a template in the registry, from the template's parameters. */
export function fault<C extends TemplatedCode>(code: C, ...params: MessageParams<C>): KilnError {
  return new KilnError(code, messageOf(code, ...params));
}

export function isKilnError(e: unknown): e is KilnError {
  return e instanceof KilnError;
}

/** `MissingParameter.<Name>` — a required parameter is absent or empty. */
export function missingParameter(name: string): KilnError {
  return new KilnError(`MissingParameter.${name}`, ERROR_REGISTRY['MissingParameter.*'].message({ name }));
}

/** `InvalidParameter` for a value of the wrong type or shape, naming the parameter. */
export function invalidParameter(name: string, detail?: string): KilnError {
  return fault('InvalidParameter', detail === undefined ? { name } : { name, detail });
}
