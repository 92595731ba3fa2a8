import { useEffect, useState } from 'preact/hooks';
import { call } from '../../api/client';
import { type ListedExecution, listExecutions } from '../../api/executions';
import type { Execution } from '../../api/responses';
import { ErrorBanner, useAsync } from '../../components/async';
import { FilterForm } from '../../components/filter-form';
import { type Column, DataTable } from '../../components/data-table';
import { keysetPage, setFilters } from '../../components/keyset';
import { KeysetPager } from '../../components/keyset-pager';
import { LabelledSelect } from '../../components/labelled-select';
import { Link } from '../../components/link';
import { isActive } from '../../components/stage-timeline';
import { StatusBadge } from '../../components/status-badge';
import { useRegion } from '../../region';
import './builds.css';
import { formatDuration, formatTime } from '../../components/format';

const PAGE_SIZE = 20;
const REFRESH_MS = 3000;
/** The ECS statuses (src/domain/execution.ts), and two groups a user filters by most. */
const STATUSES = ['PREPARING', 'REPAIRING', 'BUILDING', 'TESTING', 'DISTRIBUTING', 'RELEASING', 'SUCCESS', 'PARTITION_SUCCESS', 'FAILED', 'TEST_FAILED', 'CANCELLING', 'CANCELLED'];
const GROUPS: Record<string, string> = {
  'PREPARING,REPAIRING,BUILDING,TESTING,DISTRIBUTING,RELEASING,CANCELLING': 'Running (any active status)',
  'FAILED,TEST_FAILED': 'Failed (FAILED, TEST_FAILED)',
};

export function durationOf(e: Execution, now: number): string {
  const end = isActive(e.Status) ? now : Date.parse(e.ModifiedTime);
  return formatDuration(end - Date.parse(e.CreationTime));
}

function Filters(props: { region: string; status: string; template: string }) {
  const [template, setTemplate] = useState(props.template);
  // Suggestions for the template field: the first templates, by name (the field takes any id).
  const templates = useAsync((signal) => call('DescribeImagePipelines', { RegionId: props.region, MaxResults: 100 }, signal), [props.region]);
  return (
    <FilterForm label="Filter builds" onApply={() => setFilters({ template: template.trim() })}>
      <LabelledSelect
        label="Status"
        value={props.status}
        options={[['', 'All statuses'], ...Object.entries(GROUPS), ...STATUSES]}
        onChange={(v) => setFilters({ status: v })}
      />
      <label>
        Template ID
        <input value={template} list="build-templates" onInput={(e) => setTemplate(e.currentTarget.value)} placeholder="ip-…" />
        <datalist id="build-templates">
          {(templates.value?.ImagePipeline.ImagePipelineSet ?? []).map((p) => (
            <option key={p.ImagePipelineId} value={p.ImagePipelineId}>
              {p.Name}
            </option>
          ))}
        </datalist>
      </label>
    </FilterForm>
  );
}

function buildColumns(now: number): Column<ListedExecution>[] {
  return [
    {
      label: 'Build',
      cell: (e) => (
        <>
          <Link to={`/builds/${encodeURIComponent(e.ExecutionId)}`} class="mono">
            {e.ExecutionId}
          </Link>
          {e.Message ? <div class="row-note">{e.Message}</div> : null}
        </>
      ),
    },
    {
      label: 'Template',
      cell: (e) => <Link to={`/templates/${encodeURIComponent(e.ImagePipelineId)}`}>{e.ImagePipelineName ?? e.ImagePipelineId}</Link>,
    },
    { label: 'Status', cell: (e) => <StatusBadge status={e.Status} /> },
    { label: 'Started', cell: (e) => <time dateTime={e.CreationTime}>{formatTime(e.CreationTime)}</time> },
    { label: 'Duration', cell: (e) => durationOf(e, now) },
    {
      label: 'Image',
      cell: (e) =>
        e.ImageId && (e.Status === 'SUCCESS' || e.Status === 'PARTITION_SUCCESS') ? (
          <Link to={`/images/${encodeURIComponent(e.ImageId)}`} class="mono">
            {e.ImageId}
          </Link>
        ) : null,
    },
  ];
}

/**
 * Builds across templates (or of one), newest first, with status filters, paged by the server
 * (`GET /console/api/executions`, each build with its template's name); refreshes while any shown is active.
 */
export function BuildsListPage(props: { query: URLSearchParams }) {
  const region = useRegion();
  const status = props.query.get('status') ?? '';
  const template = props.query.get('template') ?? '';
  const paging = keysetPage(props.query);
  const list = useAsync(
    (signal) =>
      listExecutions({
        RegionId: region,
        MaxResults: PAGE_SIZE,
        ...(status ? { Status: status } : {}),
        ...(template ? { ImagePipelineId: template } : {}),
        ...(paging.token ? { NextToken: paging.token } : {}),
      }, signal),
    [region, status, template, paging.token],
  );
  const items = list.value?.Executions ?? [];
  const live = items.some((e) => isActive(e.Status));
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!live) return;
    const t = setInterval(() => {
      setNow(Date.now());
      list.reload();
    }, REFRESH_MS);
    return () => clearInterval(t);
  }, [live, list.reload]);

  return (
    <section class="builds-page">
      <div class="head-row">
        <h1>Builds</h1>
        {live ? <span class="live-note" aria-live="polite">Refreshing every {REFRESH_MS / 1000} s while builds run</span> : null}
      </div>
      <Filters key={template} region={region} status={status} template={template} />
      {list.error ? <ErrorBanner error={list.error} /> : null}
      <div class="table-wrap">
        <DataTable
          class="builds-table"
          layout="cards"
          caption={`Builds in ${region}`}
          columns={buildColumns(now)}
          rows={items}
          rowKey={(e) => e.ExecutionId}
          emptyRow={
            !list.loading && !list.error
              ? `No builds${status || template ? ' match these filters' : ' yet: start one from a template'}.`
              : null
          }
        />
      </div>
      <KeysetPager paging={paging} pageSize={PAGE_SIZE} result={list.value} />
    </section>
  );
}
