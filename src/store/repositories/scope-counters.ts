import type { Kysely } from 'kysely';
import type { Scope, TaggableType } from '../../domain/ports.js';
import type { DB } from '../schema.js';

/**
 * Per-scope sequence numbers and row counts (`scope_counters`), changed in the same
 * transaction as the rows they number and count.
 *
 * Numbering per scope rather than with one global sequence:
 * - keyset pages only ever compare seq within one scope;
 * - on PostgreSQL the counter row is locked until commit, so two inserts in one scope commit
 *   in seq order and a reader can never see seq N+1 without N (a global identity column
 *   allows that, and a page read in between would skip N). Inserts in different scopes do
 *   not touch each other's row.
 */
export type CounterKind = TaggableType | `${TaggableType}.tag` | 'imagepipelineexecution';

/** Reserves `k` sequence numbers and adds `k` to the row count; returns the first number. */
export async function allocate(db: Kysely<DB>, kind: CounterKind, scope: Scope, k: number): Promise<number> {
  const row = await db.insertInto('scope_counters')
    .values({ kind, account_id: scope.accountId, region_id: scope.regionId, last_seq: k, row_count: k })
    .onConflict((oc) => oc.columns(['kind', 'account_id', 'region_id']).doUpdateSet((eb) => ({
      last_seq: eb('scope_counters.last_seq', '+', eb.ref('excluded.last_seq')),
      row_count: eb('scope_counters.row_count', '+', eb.ref('excluded.row_count')),
    })))
    .returning('last_seq')
    .executeTakeFirstOrThrow();
  return Number(row.last_seq) - k + 1;
}

/** Subtracts `k` deleted rows from the row count. */
export async function release(db: Kysely<DB>, kind: CounterKind, scope: Scope, k: number): Promise<void> {
  if (k <= 0) return;
  await db.updateTable('scope_counters')
    .set((eb) => ({ row_count: eb('row_count', '-', k) }))
    .where('kind', '=', kind).where('account_id', '=', scope.accountId).where('region_id', '=', scope.regionId)
    .execute();
}

/** The number of rows of `kind` in the scope. */
export async function readCount(db: Kysely<DB>, kind: CounterKind, scope: Scope): Promise<number> {
  const row = await db.selectFrom('scope_counters').select('row_count')
    .where('kind', '=', kind).where('account_id', '=', scope.accountId).where('region_id', '=', scope.regionId)
    .executeTakeFirst();
  return row ? Number(row.row_count) : 0;
}
