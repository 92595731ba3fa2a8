import { useState } from 'preact/hooks';
import { call } from '../../api/client';
import type { ParamsOf } from '../../api/operations.generated';
import type { ImagePipeline } from '../../api/responses';
import { ErrorBanner, useAsync } from '../../components/async';
import { FilterForm } from '../../components/filter-form';
import { ConfirmButton } from '../../components/confirm-button';
import '../../components/data-table.css';
import { keysetPage, setFilters } from '../../components/keyset';
import { KeysetPager } from '../../components/keyset-pager';
import { Link } from '../../components/link';
import { TagChips } from '../../components/tag-chips';
import { useRegion } from '../../region';
import { navigate } from '../../router';
import { startBuild } from './actions';
import './templates.css';

const PAGE_SIZE = 20;

/** `team=web` or `team` (any value) → the Tag.1 filter. */
function parseTagFilter(text: string): { key: string; value?: string } | undefined {
  const t = text.trim();
  if (!t) return undefined;
  const eq = t.indexOf('=');
  return eq < 0 ? { key: t } : { key: t.slice(0, eq).trim(), value: t.slice(eq + 1).trim() };
}

function Filters(props: { query: URLSearchParams }) {
  const [name, setName] = useState(props.query.get('name') ?? '');
  const [id, setId] = useState(props.query.get('id') ?? '');
  const [tag, setTag] = useState(props.query.get('tag') ?? '');
  return (
    <FilterForm
      label="Filter templates"
      onApply={() => setFilters({ name: name.trim(), id: id.trim(), tag: tag.trim() })}
      onClear={
        name || id || tag
          ? () => {
              setName('');
              setId('');
              setTag('');
              setFilters({ name: undefined, id: undefined, tag: undefined });
            }
          : undefined
      }
    >
      <label>
        Name
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="exact name" />
      </label>
      <label>
        Template ID
        <input value={id} onInput={(e) => setId(e.currentTarget.value)} placeholder="ip-…" />
      </label>
      <label>
        Tag
        <input value={tag} onInput={(e) => setTag(e.currentTarget.value)} placeholder="key=value" />
      </label>
    </FilterForm>
  );
}

function Row(props: { p: ImagePipeline; regionId: string; onDeleted(): void }) {
  const { p } = props;
  const [error, setError] = useState<unknown>();
  return (
    <tr>
      <td>
        <Link to={`/templates/${encodeURIComponent(p.ImagePipelineId)}`}>{p.Name || p.ImagePipelineId}</Link>
        <div class="mono hint">{p.ImagePipelineId}</div>
        {error ? <ErrorBanner error={error} /> : null}
      </td>
      <td class="mono wrap">
        <span class="hint">{p.BaseImageType}</span> {p.BaseImage ?? ''}
      </td>
      <td>
        <TagChips tags={p.Tags?.Tag} />
      </td>
      <td class="nowrap">{new Date(p.CreationTime).toLocaleString()}</td>
      <td>
        <div class="row-actions">
          <button
            type="button"
            onClick={() => startBuild(props.regionId, p.ImagePipelineId).catch(setError)}
          >
            Start build
          </button>
          <ConfirmButton
            label="Delete"
            title="Delete this template?"
            action={async () => {
              await call('DeleteImagePipeline', { RegionId: props.regionId, ImagePipelineId: p.ImagePipelineId });
              props.onDeleted();
            }}
          >
            <p>
              Template <strong>{p.Name}</strong> (<code>{p.ImagePipelineId}</code>) and its build history will be deleted. Images it built are
              kept.
            </p>
          </ConfirmButton>
        </div>
      </td>
    </tr>
  );
}

/** /templates: the account's templates in the region, a page at a time, filtered by name, id and tag. */
export function TemplatesListPage(props: { query: URLSearchParams }) {
  const { query } = props;
  const regionId = useRegion();
  const paging = keysetPage(query);
  const name = query.get('name') ?? '';
  const id = query.get('id') ?? '';
  const tag = parseTagFilter(query.get('tag') ?? '');
  const list = useAsync(
    (signal) => {
      const params: Record<string, string> = { RegionId: regionId, MaxResults: String(PAGE_SIZE) };
      if (paging.token) params.NextToken = paging.token;
      if (name) params.Name = name;
      if (id) params['ImagePipelineId.1'] = id;
      if (tag) {
        params['Tag.1.Key'] = tag.key;
        if (tag.value !== undefined) params['Tag.1.Value'] = tag.value;
      }
      return call('DescribeImagePipelines', params as ParamsOf<'DescribeImagePipelines'>, signal);
    },
    [regionId, paging.token, name, id, tag?.key, tag?.value],
  );
  const items = list.value?.ImagePipeline.ImagePipelineSet ?? [];
  return (
    <section class="templates-page">
      <div class="page-head">
        <h1>Image templates</h1>
        <button type="button" class="primary" onClick={() => navigate('/templates/new')}>
          Create template
        </button>
      </div>
      <Filters key={query.toString()} query={query} />
      {list.error ? <ErrorBanner error={list.error} /> : null}
      <div class="table-wrap" aria-busy={list.loading}>
        <table class="stack-on-phone">
          <caption class="visually-hidden">Image templates in {regionId}</caption>
          <thead>
            <tr>
              <th scope="col">Template</th>
              <th scope="col">Base image</th>
              <th scope="col">Tags</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((p) => (
              <Row key={p.ImagePipelineId} p={p} regionId={regionId} onDeleted={list.reload} />
            ))}
          </tbody>
        </table>
        {!list.loading && items.length === 0 && !list.error ? (
          <p class="empty">
            {name || id || tag ? 'No template matches these filters.' : 'No templates in this region yet.'}{' '}
            <Link to="/templates/new">Create one</Link>.
          </p>
        ) : null}
        {list.loading && !list.value ? <p class="loading">Loading…</p> : null}
      </div>
      <KeysetPager paging={paging} pageSize={PAGE_SIZE} result={list.value} />
    </section>
  );
}
