import { useState } from 'preact/hooks';
import { call } from '../../api/client';
import type { Image } from '../../api/responses';
import { ErrorBanner, useAsync } from '../../components/async';
import { FilterForm } from '../../components/filter-form';
import { type Column, DataTable } from '../../components/data-table';
import { setFilters } from '../../components/keyset';
import { LabelledSelect } from '../../components/labelled-select';
import { Link } from '../../components/link';
import { Pager } from '../../components/pager';
import { StatusBadge } from '../../components/status-badge';
import { useRegion } from '../../region';
import { setQuery } from '../../router';
import { formatGiB, formatTime } from '../../components/format';
import './images.css';

const PAGE_SIZE = 20;
export const OWNERS = [
  { value: 'self', label: 'My images' },
  { value: 'others', label: 'Shared with me' },
  { value: 'system', label: 'System' },
] as const;
const STATUSES = ['Available', 'Creating', 'Waiting', 'UnAvailable', 'CreateFailed', 'Deprecated'];

function Tabs(props: { owner: string }) {
  return (
    <div class="tabs" role="tablist" aria-label="Owner">
      {OWNERS.map((o) => (
        <button
          key={o.value}
          type="button"
          role="tab"
          aria-selected={props.owner === o.value}
          tabIndex={props.owner === o.value ? 0 : -1}
          onClick={() => setFilters({ owner: o.value === 'self' ? undefined : o.value, page: undefined })}
          onKeyDown={(e) => {
            const i = OWNERS.findIndex((x) => x.value === props.owner);
            const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
            if (!step) return;
            const next = OWNERS[(i + step + OWNERS.length) % OWNERS.length]!;
            setFilters({ owner: next.value === 'self' ? undefined : next.value, page: undefined });
            requestAnimationFrame(() => (document.querySelector('.tabs [aria-selected="true"]') as HTMLElement | null)?.focus());
          }}
        >
          {o.label}
        </button>
      ))}
    </div>
  );
}

function Filters(props: { query: URLSearchParams }) {
  const [name, setName] = useState(props.query.get('name') ?? '');
  const [family, setFamily] = useState(props.query.get('family') ?? '');
  return (
    <FilterForm label="Filter images" onApply={() => setFilters({ name: name.trim(), family: family.trim(), page: undefined })}>
      <label>
        Name contains
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        Family
        <input value={family} onInput={(e) => setFamily(e.currentTarget.value)} />
      </label>
      <LabelledSelect
        label="Status"
        value={props.query.get('status') ?? ''}
        options={[['', 'Available'], ['ALL', 'All statuses'], ...STATUSES.slice(1)]}
        onChange={(v) => setFilters({ status: v, page: undefined })}
      />
    </FilterForm>
  );
}

function imageColumns(owner: string): Column<Image>[] {
  return [
    {
      label: 'Image ID',
      cell: (i) => (
        <Link to={`/images/${encodeURIComponent(i.ImageId)}`} class="mono">
          {i.ImageId}
        </Link>
      ),
    },
    {
      label: 'Name',
      class: 'wrap',
      cell: (i) => (
        <>
          {i.ImageName}
          {owner === 'others' && i.ImageOwnerId !== undefined ? <div class="row-note">shared by {i.ImageOwnerId}</div> : null}
        </>
      ),
    },
    { label: 'Family', cell: (i) => i.ImageFamily || '—' },
    {
      label: 'Status',
      cell: (i) => (
        <>
          <StatusBadge status={i.Status} />
          {i.Status === 'Creating' && i.Progress ? <small class="hint"> {i.Progress}</small> : null}
        </>
      ),
    },
    {
      label: 'OS',
      cell: (i) => (
        <>
          {i.OSNameEn || i.OSName || i.Platform || '—'} <small class="hint">{i.Architecture}</small>
        </>
      ),
    },
    { label: 'Size', cell: (i) => formatGiB(i.Size) },
    { label: 'Created', cell: (i) => <time dateTime={i.CreationTime}>{formatTime(i.CreationTime)}</time> },
  ];
}

/** Images of the region: mine, shared with me, system; by name, family and status; paged. */
export function ImagesListPage(props: { query: URLSearchParams }) {
  const region = useRegion();
  const q = props.query;
  const owner = q.get('owner') ?? 'self';
  const page = Math.max(1, Number(q.get('page') ?? '1') || 1);
  const name = q.get('name') ?? '';
  const family = q.get('family') ?? '';
  const status = q.get('status') ?? '';
  const list = useAsync(
    (signal) =>
      call('DescribeImages', {
        RegionId: region,
        ImageOwnerAlias: owner,
        PageNumber: page,
        PageSize: PAGE_SIZE,
        ...(name ? { ImageName: name } : {}),
        ...(family ? { ImageFamily: family } : {}),
        ...(status ? { Status: status } : {}),
      }, signal),
    [region, owner, page, name, family, status],
  );
  const images = list.value?.Images.Image ?? [];
  const total = list.value?.TotalCount;
  return (
    <section class="images-page">
      <div class="head-row">
        <h1>Images</h1>
      </div>
      <Tabs owner={owner} />
      <div role="tabpanel" aria-label={OWNERS.find((o) => o.value === owner)?.label ?? owner}>
        <Filters key={`${name}|${family}`} query={q} />
        {list.error ? <ErrorBanner error={list.error} /> : null}
        <div class="table-wrap">
          <DataTable
            class="images-table"
            layout="cards"
            caption={`Images in ${region}`}
            columns={imageColumns(owner)}
            rows={images}
            rowKey={(i) => i.ImageId}
            emptyRow={!list.loading && !list.error ? `No images here${name || family || status ? ' match these filters' : ''}.` : null}
          />
        </div>
        <Pager
          page={page}
          pageSize={PAGE_SIZE}
          {...(total !== undefined ? { total } : {})}
          hasNext={total !== undefined && page * PAGE_SIZE < total}
          onPage={(p) => setQuery({ page: p === 1 ? undefined : String(p) })}
        />
      </div>
    </section>
  );
}
