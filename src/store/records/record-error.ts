import { StoreError } from '../errors.js';

/**
 * A stored row cannot be read as its entity: its spec is not JSON, has another record version,
 * or a field is missing, unknown or of the wrong type (a row damaged outside Kiln, or written by
 * a newer Kiln). It names the table, the row and the field; the entity is not returned.
 */
export class StoreRecordError extends StoreError {
  override name = 'StoreRecordError';
  constructor(
    readonly table: string,
    readonly id: string,
    /** The field, as a path into the row: `spec.imageOptions.imageTags[0].key`, `spec.v`, `spec`. */
    readonly field: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super('Store.InvalidRecord', `The stored row ${id} of table ${table} is invalid: ${field} ${problem}.`, options);
  }
}

/**
 * A `StoreRecordError` of a row read without knowing its id, whose spec does not say it either
 * (it is not JSON, say). Reads of several rows pass through `readRecords`, which looks the id up
 * by the `spec` text and throws a `StoreRecordError` naming it instead.
 */
export class UnnamedRecordError extends StoreRecordError {
  constructor(table: string, readonly spec: string, field: string, problem: string, options?: { cause?: unknown }) {
    super(table, '(unknown id)', field, problem, options);
  }
}
