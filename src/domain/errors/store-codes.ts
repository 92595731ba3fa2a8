import { DOC, type ErrorTable } from './spec.js';

/**
 * Codes of the store's errors (`StoreError`, `domain/errors/store-error.ts`). They never reach
 * the wire as themselves: the app turns the expected ones into API codes (a name conflict
 * into `InvalidImageName.Duplicated`, exhausted retries into `ServiceUnavailable`) and the
 * API answers anything else as `InternalError`.
 */
export const STORE_CODES = {
  'Store.Conflict': { status: 500, fault: 'server', doc: DOC.KILN, meaning: 'A row with the same unique key exists already (a duplicate id, image name, component name and version, …).' },
  'Store.IdempotencyConflict': { status: 500, fault: 'server', doc: DOC.KILN, meaning: 'Another request recorded an answer for the same ClientToken first; the app re-reads it.' },
  'Store.NotFound': { status: 500, fault: 'server', doc: DOC.KILN, meaning: 'A write names a row that does not exist in its scope.' },
  'Store.TransactionRetriesExhausted': { status: 500, fault: 'server', doc: DOC.KILN, meaning: 'A PostgreSQL transaction kept conflicting through every retry, or another process held the SQLite database locked for a minute; answered as ServiceUnavailable.' },
  'Store.Usage': { status: 500, fault: 'server', doc: DOC.KILN, meaning: 'The store was used the wrong way (a nested transaction, the root store used inside a transaction).' },
  'Store.InvalidPage': { status: 500, fault: 'server', doc: DOC.KILN, meaning: 'A page request has a limit or position that is not an integer in range.' },
  'Store.InvalidValue': { status: 500, fault: 'server', doc: DOC.KILN, meaning: 'A value to store breaks a rule the store relies on (a component version not <major>.<minor>.<patch>).' },
  'Store.InvalidRecord': { status: 500, fault: 'server', doc: DOC.KILN, meaning: 'A stored row cannot be read as its entity (not JSON, another record version, a field missing, unknown or of the wrong type).' },
  'Store.MigrationFailed': { status: 500, fault: 'server', doc: DOC.KILN, meaning: 'A database migration failed at start.' },
  'Store.InvalidUrl': { status: 500, fault: 'server', doc: DOC.KILN, meaning: 'The database URL has a scheme Kiln does not support.' },
} as const satisfies ErrorTable;
