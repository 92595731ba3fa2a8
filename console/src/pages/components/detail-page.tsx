import { call } from '../../api/client';
import type { ImageComponent } from '../../api/responses';
import { ErrorBanner, useAsync } from '../../components/async';
import { CodeEditor } from '../../components/code-editor';
import { ConfirmButton } from '../../components/confirm-button';
import { Link } from '../../components/link';
import { NotFound } from '../../components/not-found';
import { TagChips } from '../../components/tag-chips';
import { useRegion } from '../../region';
import { navigate } from '../../router';
import '../templates/templates.css';

/** The component by id: the account's first, then the system ones. */
async function find(regionId: string, id: string, signal: AbortSignal): Promise<ImageComponent | undefined> {
  for (const Owner of ['SELF', 'ALIYUN'] as const) {
    const r = await call('DescribeImageComponents', { RegionId: regionId, Owner, 'ImageComponentId.1': id }, signal);
    const c = r.ImageComponent.ImageComponentSet[0];
    if (c) return c;
  }
  return undefined;
}

function Versions(props: { regionId: string; c: ImageComponent }) {
  const { c } = props;
  const versions = useAsync(
    (signal) => call('DescribeImageComponents', { RegionId: props.regionId, Owner: c.Owner === 'ALIYUN' ? 'ALIYUN' : 'SELF', Name: c.Name, MaxResults: 100 }, signal),
    [props.regionId, c.ImageComponentId],
  );
  const list = versions.value?.ImageComponent.ImageComponentSet ?? [];
  return (
    <div>
      <h2>Versions of {c.Name}</h2>
      {versions.error ? <ErrorBanner error={versions.error} /> : null}
      <ul class="versions">
        {list.map((v) => (
          <li key={v.ImageComponentId}>
            {v.ImageComponentId === c.ImageComponentId ? (
              <strong aria-current="true">{v.ComponentVersion ?? v.ImageComponentId} (this one)</strong>
            ) : (
              <Link to={`/components/${encodeURIComponent(v.ImageComponentId)}`}>{v.ComponentVersion ?? v.ImageComponentId}</Link>
            )}{' '}
            <span class="hint">{new Date(v.CreationTime).toLocaleDateString()}</span>
          </li>
        ))}
      </ul>
      {c.Owner !== 'ALIYUN' ? <Link to={`/components/new?name=${encodeURIComponent(c.Name)}`}>Create a new version</Link> : null}
    </div>
  );
}

/** /components/:id: a component version's attributes, parameters, content and other versions; delete. */
export function ComponentDetailPage(props: { id: string }) {
  const regionId = useRegion();
  const got = useAsync((signal) => find(regionId, props.id, signal), [regionId, props.id]);
  const c = got.value;
  if (got.error) return <ErrorBanner error={got.error} />;
  if (!c) {
    return got.loading ? (
      <p class="loading">Loading…</p>
    ) : (
      <NotFound noun="component" id={props.id} regionId={regionId} back={{ to: '/components', text: 'Back to components' }} />
    );
  }
  const params = c.Parameters?.Parameter ?? [];
  return (
    <section class="components-page">
      <nav class="hint" aria-label="Breadcrumb">
        <Link to="/components">Components</Link> / {c.Name}
      </nav>
      <div class="page-head">
        <h1>
          {c.Name} <span class="hint mono">{c.ComponentVersion}</span>
        </h1>
        {c.Owner !== 'ALIYUN' ? (
          <ConfirmButton
            label="Delete"
            title="Delete this component?"
            action={async () => {
              await call('DeleteImageComponent', { RegionId: regionId, ImageComponentId: c.ImageComponentId });
              navigate('/components', { replace: true });
            }}
          >
            <p>
              Version <strong>{c.ComponentVersion}</strong> of <strong>{c.Name}</strong> (<code>{c.ImageComponentId}</code>) will be deleted. A
              component a template uses cannot be deleted.
            </p>
          </ConfirmButton>
        ) : null}
      </div>
      <TagChips tags={c.Tags?.Tag} />
      <div class="detail-grid">
        <div class="card">
          <h2>Attributes</h2>
          <dl class="attrs">
            <dt>Component ID</dt>
            <dd>
              <code>{c.ImageComponentId}</code>
            </dd>
            <dt>Type</dt>
            <dd>{c.ComponentType}</dd>
            <dt>System</dt>
            <dd>{c.SystemType}</dd>
            <dt>Owner</dt>
            <dd>{c.Owner === 'ALIYUN' ? 'System' : 'This account'}</dd>
            {c.Description ? [<dt key="dt">Description</dt>, <dd key="dd">{c.Description}</dd>] : null}
            {c.ResourceGroupId ? [<dt key="rt">Resource group</dt>, <dd key="rd">{c.ResourceGroupId}</dd>] : null}
            <dt>Created</dt>
            <dd>{new Date(c.CreationTime).toLocaleString()}</dd>
            <dt>Use in build content</dt>
            <dd>
              <code>COMPONENT {c.ImageComponentId}</code>
            </dd>
          </dl>
          {params.length ? (
            <>
              <h2>Parameters</h2>
              <dl class="attrs">
                {params.map((p) => [
                  <dt key={`t-${p.Name}`} class="mono">
                    {p.Name}
                  </dt>,
                  <dd key={`d-${p.Name}`}>
                    {p.Type}
                    {p.DefaultValue !== undefined ? ` · default ${p.DefaultValue}` : ''}
                  </dd>,
                ])}
              </dl>
            </>
          ) : null}
          <Versions regionId={regionId} c={c} />
        </div>
        <div class="card">
          <CodeEditor label="Content" value={c.Content ?? ''} readOnly rows={Math.min(24, Math.max(6, (c.Content ?? '').split('\n').length))} />
        </div>
      </div>
    </section>
  );
}
