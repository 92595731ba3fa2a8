import { useState } from 'preact/hooks';
import { call } from '../../api/client';
import type { ParamsOf } from '../../api/operations.generated';
import type { ImageComponent } from '../../api/responses';
import { ErrorBanner, useAsync } from '../../components/async';
import { FilterForm } from '../../components/filter-form';
import { type Column, DataTable } from '../../components/data-table';
import { keysetPage, setFilters } from '../../components/keyset';
import { KeysetPager } from '../../components/keyset-pager';
import { LabelledSelect } from '../../components/labelled-select';
import { Link } from '../../components/link';
import { TagChips } from '../../components/tag-chips';
import { useRegion } from '../../region';
import { navigate } from '../../router';
import '../templates/templates.css';

const PAGE_SIZE = 20;

function Filters(props: { query: URLSearchParams }) {
  const q = props.query;
  const [name, setName] = useState(q.get('name') ?? '');
  return (
    <FilterForm label="Filter components" onApply={() => setFilters({ name: name.trim() })}>
      <LabelledSelect
        label="Owner"
        value={q.get('owner') ?? 'SELF'}
        options={[
          ['SELF', 'My components'],
          ['ALIYUN', 'System components'],
        ]}
        onChange={(v) => setFilters({ owner: v === 'SELF' ? undefined : v })}
      />
      <LabelledSelect label="Type" value={q.get('type') ?? ''} options={[['', 'Any'], 'Build', 'Test']} onChange={(v) => setFilters({ type: v })} />
      <LabelledSelect label="System" value={q.get('system') ?? ''} options={[['', 'Any'], 'Linux', 'Windows']} onChange={(v) => setFilters({ system: v })} />
      <label>
        Name
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="exact name" />
      </label>
    </FilterForm>
  );
}

const COLUMNS: Column<ImageComponent>[] = [
  {
    label: 'Component',
    cell: (c) => (
      <>
        <Link to={`/components/${encodeURIComponent(c.ImageComponentId)}`}>{c.Name}</Link>
        <div class="mono hint">{c.ImageComponentId}</div>
      </>
    ),
  },
  {
    label: 'Version',
    class: 'mono',
    cell: (c) =>
      c.ComponentVersion ? (
        <Link to={`/components?name=${encodeURIComponent(c.Name)}${c.Owner === 'ALIYUN' ? '&owner=ALIYUN' : ''}`} title={`Every version of ${c.Name}`}>
          {c.ComponentVersion}
        </Link>
      ) : (
        '—'
      ),
  },
  { label: 'Type', cell: (c) => c.ComponentType },
  { label: 'System', cell: (c) => c.SystemType },
  { label: 'Tags', cell: (c) => <TagChips tags={c.Tags?.Tag} /> },
  { label: 'Created', class: 'nowrap', cell: (c) => new Date(c.CreationTime).toLocaleString() },
];

/** /components: the account's (or the system) components, filtered by type, system and name (its versions). */
export function ComponentsListPage(props: { query: URLSearchParams }) {
  const { query } = props;
  const regionId = useRegion();
  const paging = keysetPage(query);
  const owner = query.get('owner') === 'ALIYUN' ? 'ALIYUN' : 'SELF';
  const type = query.get('type') ?? '';
  const system = query.get('system') ?? '';
  const name = query.get('name') ?? '';
  const list = useAsync(
    (signal) => {
      const params: Record<string, string> = { RegionId: regionId, Owner: owner, MaxResults: String(PAGE_SIZE) };
      if (paging.token) params.NextToken = paging.token;
      if (type) params.ComponentType = type;
      if (system) params.SystemType = system;
      if (name) params.Name = name;
      return call('DescribeImageComponents', params as ParamsOf<'DescribeImageComponents'>, signal);
    },
    [regionId, paging.token, owner, type, system, name],
  );
  const items = list.value?.ImageComponent.ImageComponentSet ?? [];
  return (
    <section class="components-page">
      <div class="page-head">
        <h1>{name ? `Versions of ${name}` : 'Components'}</h1>
        <button type="button" class="primary" onClick={() => navigate(name ? `/components/new?name=${encodeURIComponent(name)}` : '/components/new')}>
          {name ? 'Create version' : 'Create component'}
        </button>
      </div>
      <Filters key={query.toString()} query={query} />
      {list.error ? <ErrorBanner error={list.error} /> : null}
      <div class="table-wrap" aria-busy={list.loading}>
        <DataTable layout="stack" caption={`Components in ${regionId}`} columns={COLUMNS} rows={items} rowKey={(c) => c.ImageComponentId} />
        {!list.loading && items.length === 0 && !list.error ? <p class="empty">No component matches.</p> : null}
        {list.loading && !list.value ? <p class="loading">Loading…</p> : null}
      </div>
      <KeysetPager paging={paging} pageSize={PAGE_SIZE} result={list.value} />
    </section>
  );
}
