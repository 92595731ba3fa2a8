import { useEffect, useState } from 'preact/hooks';
import { call } from '../../api/client';
import { ErrorBanner, useAsync } from '../../components/async';
import { Link } from '../../components/link';
import { Pager } from '../../components/pager';
import { StatusBadge } from '../../components/status-badge';

const PAGE_SIZE = 10;
const TERMINAL = new Set(['SUCCESS', 'PARTITION_SUCCESS', 'FAILED', 'TEST_FAILED', 'CANCELLED']);

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
        <table class="stack-on-phone">
          <caption class="visually-hidden">Builds of this template</caption>
          <thead>
            <tr>
              <th scope="col">Build</th>
              <th scope="col">Status</th>
              <th scope="col">Image</th>
              <th scope="col">Started</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.ExecutionId}>
                <td>
                  <Link to={`/builds/${encodeURIComponent(e.ExecutionId)}`} class="mono">
                    {e.ExecutionId}
                  </Link>
                </td>
                <td>
                  <StatusBadge status={e.Status} />
                  {e.ErrorCode ? <div class="hint mono">{e.ErrorCode}</div> : null}
                </td>
                <td>{e.ImageId ? <Link to={`/images/${encodeURIComponent(e.ImageId)}`} class="mono">{e.ImageId}</Link> : '—'}</td>
                <td class="nowrap">{new Date(e.CreationTime).toLocaleString()}</td>
                <td class="nowrap">{new Date(e.ModifiedTime).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
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
