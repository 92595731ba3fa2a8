import { useEffect, useState } from 'preact/hooks';
import { call } from '../../api/client';
import type { Execution } from '../../api/responses';
import { ErrorBanner, useAsync } from '../../components/async';
import { type Column, DataTable } from '../../components/data-table';
import { Link } from '../../components/link';
import { Pager } from '../../components/pager';
import { StatusBadge } from '../../components/status-badge';

const PAGE_SIZE = 10;
const TERMINAL = new Set(['SUCCESS', 'PARTITION_SUCCESS', 'FAILED', 'TEST_FAILED', 'CANCELLED']);

const COLUMNS: Column<Execution>[] = [
  {
    label: 'Build',
    cell: (e) => (
      <Link to={`/builds/${encodeURIComponent(e.ExecutionId)}`} class="mono">
        {e.ExecutionId}
      </Link>
    ),
  },
  {
    label: 'Status',
    cell: (e) => (
      <>
        <StatusBadge status={e.Status} />
        {e.ErrorCode ? <div class="hint mono">{e.ErrorCode}</div> : null}
      </>
    ),
  },
  { label: 'Image', cell: (e) => (e.ImageId ? <Link to={`/images/${encodeURIComponent(e.ImageId)}`} class="mono">{e.ImageId}</Link> : '—') },
  { label: 'Started', class: 'nowrap', cell: (e) => new Date(e.CreationTime).toLocaleString() },
  { label: 'Updated', class: 'nowrap', cell: (e) => new Date(e.ModifiedTime).toLocaleString() },
];

/** A template's builds, newest first, a page at a time; refreshed while one is running. */
export function ExecutionsTable(props: { regionId: string; imagePipelineId: string }) {
  const [tokens, setTokens] = useState<string[]>([]);
  const list = useAsync(
    (signal) =>
      call(
        'DescribeImagePipelineExecutions',
        { RegionId: props.regionId, ImagePipelineId: props.imagePipelineId, MaxResults: PAGE_SIZE, ...(tokens.length ? { NextToken: tokens.at(-1) } : {}) },
        signal,
      ),
    [props.regionId, props.imagePipelineId, tokens.at(-1)],
  );
  const items = list.value?.ImagePipelineExecution.ImagePipelineExecutionSet ?? [];
  const running = items.some((e) => !TERMINAL.has(e.Status));
  useEffect(() => {
    if (!running) return;
    const t = setInterval(list.reload, 5000);
    return () => clearInterval(t);
  }, [running, list.reload]);
  return (
    <div>
      {list.error ? <ErrorBanner error={list.error} /> : null}
      <div class="table-wrap">
        <DataTable layout="stack" caption="Builds of this template" columns={COLUMNS} rows={items} rowKey={(e) => e.ExecutionId} />
        {!list.loading && items.length === 0 && !list.error ? <p class="empty">No builds yet.</p> : null}
      </div>
      <Pager
        page={tokens.length + 1}
        pageSize={PAGE_SIZE}
        total={list.value?.TotalCount}
        hasNext={Boolean(list.value?.NextToken)}
        onPage={(n) => setTokens(n > tokens.length + 1 ? [...tokens, list.value!.NextToken!] : tokens.slice(0, -1))}
      />
    </div>
  );
}
