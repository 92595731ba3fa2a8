import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';
import { StoreRecordError, UnnamedRecordError } from './record-error.js';

/** The tables whose `spec` is a versioned record. */
export type RecordTable = 'pipelines' | 'components' | 'images';

/**
 * The entities of rows selected without their ids, each read by `read`. A row whose spec does
 * not name it (`UnnamedRecordError`: it is not JSON, say) is looked up by the text of its spec,
 * so the `StoreRecordError` names its id all the same; only a damaged row costs that query.
 */
export async function readRecords<Row, T>(db: Kysely<DB>, table: RecordTable, rows: readonly Row[], read: (row: Row) => T): Promise<T[]> {
  try {
    return rows.map(read);
  } catch (e) {
    if (!(e instanceof UnnamedRecordError)) throw e;
    const found = await db.selectFrom(table).select('id').where('spec', '=', e.spec).executeTakeFirst();
    throw found ? new StoreRecordError(table, found.id, e.field, e.problem, { cause: e.cause }) : e;
  }
}
