import type { StoreErrorCode } from './registry.js';

/**
 * The one class of the store's errors, and the one way other layers recognise them
 * (`isStoreError(err, 'Store.Conflict')`). Defined in the domain so the app and the engine
 * can tell store errors apart without importing the store; the store's subclasses
 * (`store/errors.ts`) add the fields of each case. They carry no SQL and no driver text; the
 * driver error, when there is one, is kept as `cause` for logs only.
 */
export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Whether `err` is a store error (with `code`, when given). */
export function isStoreError(err: unknown, code?: StoreErrorCode): err is StoreError {
  return err instanceof StoreError && (code === undefined || err.code === code);
}
