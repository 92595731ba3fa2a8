import { useMemo, useState } from 'preact/hooks';
import { call } from '../../api/client';
import { ApiError } from '../../api/errors';
import type { ParamsOf } from '../../api/operations.generated';
import { ErrorBanner } from '../../components/async';
import { ContentEditor, lineMarker } from '../../components/content-editor';
import { Link } from '../../components/link';
import { type TagPair, TagEditor, tagParams } from '../../components/tag-editor';
import { useRegion } from '../../region';
import { navigate } from '../../router';
import { type FormBinding, FormContext, fieldId, SelectField, TextField } from '../templates/form/fields';
import { fieldOfError } from '../templates/form/form-state';
import '../templates/templates.css';

const NAMES = ['Name', 'ComponentVersion', 'ComponentType', 'SystemType', 'Description', 'Content', 'ResourceGroupId', 'ClientToken'];

/** /components/new: a component, or (with `?name=`) a new version of a named one. */
export function CreateComponentPage(props: { query: URLSearchParams }) {
  const regionId = useRegion();
  const [fields, setFields] = useState<Record<string, string>>(() => ({
    Name: props.query.get('name') ?? '',
    ComponentType: 'Build',
    SystemType: 'Linux',
    ClientToken: crypto.randomUUID(),
  }));
  const [tags, setTags] = useState<TagPair[]>([]);
  const [error, setError] = useState<{ err: unknown; field?: string; contentAt: string }>();
  const [busy, setBusy] = useState(false);
  const binding: FormBinding = useMemo(
    () => ({
      value: (w) => fields[w] ?? '',
      set: (w, v) => setFields((f) => ({ ...f, [w]: v })),
      errorFor: (w) => (error?.field === w && error.err instanceof Error ? error.err.message : undefined),
    }),
    [fields, error],
  );
  const contentMarkers =
    error?.err instanceof ApiError && error.field === 'Content' && fields.Content === error.contentAt ? [lineMarker(error.err.code, error.err.message)] : [];
  return (
    <section class="components-page">
      <div class="page-head">
        <h1>Create component</h1>
        <Link to="/components">Back to components</Link>
      </div>
      <FormContext.Provider value={binding}>
        <form
          class="create-form"
          aria-label="Create component"
          noValidate
          onSubmit={async (e) => {
            e.preventDefault();
            setBusy(true);
            setError(undefined);
            try {
              const params: Record<string, string> = { RegionId: regionId, ...tagParams('Tag', tags) };
              for (const [k, v] of Object.entries(fields)) if (v.trim() !== '') params[k] = k === 'Content' ? v : v.trim();
              const r = await call('CreateImageComponent', params as ParamsOf<'CreateImageComponent'>);
              navigate(`/components/${encodeURIComponent(r.ImageComponentId)}`);
            } catch (err) {
              const field = fieldOfError(err, NAMES);
              setError({ err, ...(field ? { field } : {}), contentAt: fields.Content ?? '' });
              if (field) requestAnimationFrame(() => document.getElementById(fieldId(field))?.focus());
            } finally {
              setBusy(false);
            }
          }}
        >
          <section class="card form-section" aria-labelledby="sec-comp">
            <h2 id="sec-comp">Component</h2>
            <div class="fields">
              <TextField wire="Name" label="Name" hint="A new version of an existing name when it exists. Default: the component id." />
              <TextField wire="ComponentVersion" label="Version" placeholder="1.0.0" hint="major.minor.patch; default: the next major of the name." />
              <SelectField wire="ComponentType" label="Component type" options={['Build', 'Test']} required />
              <SelectField wire="SystemType" label="System type" options={['Linux', 'Windows']} required />
              <TextField wire="Description" label="Description" class="wide" />
            </div>
            <ContentEditor
              kind="Content"
              label="Content"
              id={fieldId('Content')}
              regionId={regionId}
              value={fields.Content ?? ''}
              onInput={(v) => binding.set('Content', v)}
              extraMarkers={contentMarkers}
              hint="The component's commands, Dockerfile-style or YAML. Checked as you type."
            />
            <TagEditor legend="Tags" tags={tags} onChange={setTags} error={binding.errorFor('Tag')} />
          </section>
          <details class="card form-section" open={error?.field === 'ResourceGroupId' || error?.field === 'ClientToken'}>
            <summary>Advanced</summary>
            <div class="fields">
              <TextField wire="ResourceGroupId" label="Resource group ID" />
              <TextField wire="ClientToken" label="Client token" hint="Makes a retried create return the same component." />
            </div>
          </details>
          {error ? <ErrorBanner error={error.err} /> : null}
          <div class="form-actions">
            <button type="button" onClick={() => navigate('/components')}>
              Cancel
            </button>
            <button type="submit" class="primary" disabled={busy}>
              {busy ? 'Creating…' : 'Create component'}
            </button>
          </div>
        </form>
      </FormContext.Provider>
    </section>
  );
}
