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
    /** The field, as a path into the row: `spec.imageOptions.imageTags[0].key`, `component_type`. */
    readonly field: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super('Store.InvalidRecord', `The stored row ${id} of table ${table} is invalid: ${field} ${problem}.`, options);
  }
}
