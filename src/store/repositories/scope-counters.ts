import { sql, type Kysely } from 'kysely';
import type { Scope, TaggableType } from '../../domain/ports.js';
import type { DB } from '../schema.js';

/**
 * Per-scope sequence numbers and row counts (`scope_counters`), changed in the same
 * transaction as the rows they number and count.
 *
 * Numbering per scope rather than with one global sequence:
 * - keyset pages only ever compare seq within one scope;
 * - on PostgreSQL the counter row (and before it the scope's write lock, `write-locks.ts`) is
 *   held until commit, so two inserts in one scope commit in seq order and a reader can never
 *   see seq N+1 without N (a global identity column allows that, and a page read in between
 *   would skip N). Inserts in different scopes do not touch each other's row.
 */
export type CounterKind = TaggableType | `${TaggableType}.tag` | 'imagepipelineexecution';

/*
 * These three statements run on nearly every request (two allocations per create, a count per
 * quota check and per unfiltered page), so they are written as SQL templates: Kysely's builder
 * took about as long to build and compile the upsert as SQLite took to run it. The SQL is the
 * same on SQLite and PostgreSQL.
 */

/** Reserves `k` sequence numbers and adds `k` to the row count; returns the first number. */
export async function allocate(db: Kysely<DB>, kind: CounterKind, scope: Scope, k: number): Promise<number> {
  const { rows } = await sql<{ last_seq: number }>`
    insert into scope_counters (kind, account_id, region_id, last_seq, row_count)
    values (${kind}, ${scope.accountId}, ${scope.regionId}, ${k}, ${k})
    on conflict (kind, account_id, region_id) do update
      set last_seq = scope_counters.last_seq + excluded.last_seq, row_count = scope_counters.row_count + excluded.row_count
    returning last_seq`.execute(db);
  return Number(rows[0]!.last_seq) - k + 1;
}

/** Subtracts `k` deleted rows from the row count. */
export async function release(db: Kysely<DB>, kind: CounterKind, scope: Scope, k: number): Promise<void> {
  if (k <= 0) return;
  await sql`
    update scope_counters set row_count = row_count - ${k}
    where kind = ${kind} and account_id = ${scope.accountId} and region_id = ${scope.regionId}`.execute(db);
}

/** The number of rows of `kind` in the scope. */
export async function readCount(db: Kysely<DB>, kind: CounterKind, scope: Scope): Promise<number> {
  const { rows } = await sql<{ row_count: number }>`
    select row_count from scope_counters
    where kind = ${kind} and account_id = ${scope.accountId} and region_id = ${scope.regionId}`.execute(db);
  return rows.length > 0 ? Number(rows[0]!.row_count) : 0;
}
