/** Page controls for the ECS paging (`PageNumber`/`PageSize` or `NextToken`/`MaxResults`). */
export function Pager(props: { page: number; pageSize: number; total?: number; hasNext: boolean; onPage(page: number): void }) {
  const { page, pageSize, total } = props;
  const last = total !== undefined ? Math.max(1, Math.ceil(total / pageSize)) : undefined;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={page <= 1} onClick={() => props.onPage(page - 1)}>
        ← Previous
      </button>
      <span aria-live="polite">
        Page {page}
        {last !== undefined ? ` of ${last}` : ''}
        {total !== undefined ? ` · ${total} in all` : ''}
      </span>
      <button type="button" disabled={!props.hasNext} onClick={() => props.onPage(page + 1)}>
        Next →
      </button>
    </nav>
  );
}
