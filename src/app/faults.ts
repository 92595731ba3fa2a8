import { fault, type KilnError } from '../domain/errors.js';
import { isStoreError } from '../domain/errors/store-error.js';

/*
 * Server faults that the caller should see as themselves rather than as InternalError:
 * temporary conditions a client can retry.
 */

/** `ServiceUnavailable` (503): documented by the gateway as temporary; clients may retry. */
export function serviceUnavailable(): KilnError {
  return fault('ServiceUnavailable');
}

/**
 * The error to answer with for `err`: a transient store failure becomes `ServiceUnavailable`;
 * anything else is returned unchanged (the API layer decides what an unknown fault becomes).
 */
export function asKilnFault(err: unknown): unknown {
  // A PostgreSQL transaction that kept conflicting through every retry.
  if (isStoreError(err, 'Store.TransactionRetriesExhausted')) return serviceUnavailable();
  return err;
}
