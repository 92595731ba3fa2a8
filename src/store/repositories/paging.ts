import type { SelectExpression, SelectQueryBuilder } from 'kysely';
import type { Page, PageRequest } from '../../domain/paging.js';
import { StoreError } from '../errors.js';

/** A scoped, filtered query on one table with a `seq` column, before any selection. */
// Column names are dynamic here; callers type the rows they select.
export type FilteredQuery = SelectQueryBuilder<any, any, {}>;

export interface KeysetResult<Row> {
  rows: Row[];
  nextAfterSeq?: number;
  totalCount: number;
}

/**
 * One keyset page of `query` (rows with seq > afterSeq, in seq order, or with `order: 'desc'`
 * rows with seq < afterSeq, highest first; limit+1 fetched to know whether more follow) plus
 * the filter's total count. `columns` (names or expressions) must include `seq`.
 * `totalCount`, when given, replaces the count(*) of `query` (e.g. a maintained counter).
 */
export async function keysetPage<Row extends { seq: number }>(
  query: FilteredQuery,
  page: PageRequest,
  columns: readonly SelectExpression<any, any>[],
  totalCount?: () => Promise<number>,
): Promise<KeysetResult<Row>> {
  const { limit, afterSeq } = page;
  const desc = page.order === 'desc';
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new StoreError('Store.InvalidPage', `Page limit must be a positive integer, got ${limit}.`);
  }
  if (afterSeq !== undefined && !Number.isSafeInteger(afterSeq)) {
    throw new StoreError('Store.InvalidPage', `Page afterSeq must be an integer, got ${afterSeq}.`);
  }
  const paged = afterSeq === undefined ? query : query.where('seq', desc ? '<' : '>', afterSeq);
  const count = totalCount
    ?? (async () => Number((await query.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow() as { n: unknown }).n));
  const [n, fetched] = await Promise.all([
    count(),
    paged.select(columns as SelectExpression<any, any>[]).orderBy('seq', desc ? 'desc' : 'asc').limit(limit + 1).execute(),
  ]);
  const more = fetched.length > limit;
  const rows = (more ? fetched.slice(0, limit) : fetched) as Row[];
  const result: KeysetResult<Row> = { rows, totalCount: n };
  if (more) result.nextAfterSeq = rows[rows.length - 1]!.seq;
  return result;
}

/** A domain `Page` from a keyset result and its mapped items; `nextAfterSeq` absent on the last page. */
export function toPage<T>(items: T[], r: KeysetResult<unknown>): Page<T> {
  const page: Page<T> = { items, totalCount: r.totalCount };
  if (r.nextAfterSeq !== undefined) page.nextAfterSeq = r.nextAfterSeq;
  return page;
}
