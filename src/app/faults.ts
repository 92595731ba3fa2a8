import { KilnError } from '../domain/errors.js';

/*
 * Server faults that the caller should see as themselves rather than as InternalError:
 * temporary conditions a client can retry.
 */

/** The `code` of the store's error when a PostgreSQL transaction kept conflicting through every retry. */
const TRANSACTION_RETRIES_EXHAUSTED = 'Store.TransactionRetriesExhausted';

/** `ServiceUnavailable` (503): documented by the gateway as temporary; clients may retry. */
export function serviceUnavailable(): KilnError {
  return new KilnError('ServiceUnavailable', 'The request has failed due to a temporary failure of the server.', 'server');
}

/**
 * The error to answer with for `err`: a transient store failure becomes `ServiceUnavailable`;
 * anything else is returned unchanged (the API layer decides what an unknown fault becomes).
 */
export function asKilnFault(err: unknown): unknown {
  if ((err as { code?: unknown } | null)?.code === TRANSACTION_RETRIES_EXHAUSTED) return serviceUnavailable();
  return err;
}
