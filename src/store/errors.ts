import { StoreError } from '../domain/errors/store-error.js';

/**
 * Errors the store throws for expected cases: subclasses of the domain's `StoreError`
 * (`domain/errors/store-error.ts`), each with a registered `Store.*` code. Other layers
 * recognise them one way, `isStoreError(err, code)`, without importing this module. They
 * carry no SQL and no driver text; the driver error, when there is one, is kept as `cause`
 * for logs only.
 */
export { StoreError };

/**
 * A row with the same unique key already exists (a duplicate id, a duplicate component
 * name + version, a second default resource group, …). `entity` names the table's entity.
 */
export class StoreConflictError extends StoreError {
  override name = 'StoreConflictError';
  constructor(
    readonly entity: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('Store.Conflict', message, options);
  }
}

/**
 * `idempotency.put` found a record for the same (account, action, client token): another
 * request with that ClientToken committed first. The app should re-read it with `get` (in a
 * new transaction) and answer with the stored response, or `IdempotentParameterMismatch`
 * when the digests differ.
 *
 * On PostgreSQL a transaction that first read the key with `get` and then lost the race sees a
 * serialization failure instead, which `transaction` retries: the retry's `get` then finds the
 * winner's record, so the app usually never sees this error inside `transaction`.
 */
export class IdempotencyConflictError extends StoreError {
  override name = 'IdempotencyConflictError';
  readonly accountId: string;
  readonly action: string;
  readonly clientToken: string;
  constructor(accountId: string, action: string, clientToken: string, options?: { cause?: unknown }) {
    super('Store.IdempotencyConflict', `An idempotency record for action ${action} and this client token already exists.`, options);
    this.accountId = accountId;
    this.action = action;
    this.clientToken = clientToken;
  }
}

/** A write names a row that does not exist in the scope (tagging a missing resource, an access key of a missing account). */
export class StoreNotFoundError extends StoreError {
  override name = 'StoreNotFoundError';
  constructor(
    readonly entity: string,
    readonly id: string,
    options?: { cause?: unknown },
  ) {
    super('Store.NotFound', `${entity} ${id} does not exist.`, options);
  }
}

/** A PostgreSQL transaction kept failing with serialization failures or deadlocks after every retry. */
export class TransactionRetriesExhaustedError extends StoreError {
  override name = 'TransactionRetriesExhaustedError';
  constructor(
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super('Store.TransactionRetriesExhausted', `The transaction conflicted with concurrent transactions ${attempts} times in a row.`, options);
  }
}

/** The store was used the wrong way (a nested transaction, the root store called inside `transaction`). */
export class StoreUsageError extends StoreError {
  override name = 'StoreUsageError';
  constructor(message: string) {
    super('Store.Usage', message);
  }
}
