import type { KeysetPage } from './keyset';
import { Pager } from './pager';

/**
 * The {@link Pager} of a list paged by NextToken with the page in the address ({@link keysetPage}):
 * `result` is the current page's answer (undefined while the first one loads).
 */
export function KeysetPager(props: { paging: KeysetPage; pageSize: number; result: { TotalCount: number; NextToken?: string } | undefined }) {
  const { paging, result } = props;
  return (
    <Pager
      page={paging.page}
      pageSize={props.pageSize}
      total={result?.TotalCount}
      hasNext={Boolean(result?.NextToken)}
      onPage={(n) => (n > paging.page ? paging.next(result!.NextToken!) : paging.previous())}
    />
  );
}
