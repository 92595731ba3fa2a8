import { useEffect, useMemo, useState } from 'preact/hooks';
import { call } from '../../api/client';
import { ApiError } from '../../api/errors';
import type { ParamsOf } from '../../api/operations.generated';
import { ErrorBanner } from '../../components/async';
import type { EditorMarker } from '../../components/code-editor';
import { lineMarker } from '../../components/content-editor';
import { Link } from '../../components/link';
import { useRegion } from '../../region';
import { navigate } from '../../router';
import { AdvancedSection, ImportSection, InstanceSection, RepairSection } from './form/advanced-sections';
import { type FormBinding, FormContext, fieldId } from './form/fields';
import { emptyForm, fieldOfError, type TemplateForm, toParams } from './form/form-state';
import { formFromPipeline } from './form/from-pipeline';
import { BuildSection, DistributionSection, OutputSection, SourceSection } from './form/main-sections';
import './templates.css';

const INSTANCE = ['InstanceType', 'SystemDiskSize', 'InternetMaxBandwidthOut', 'VSwitchId', 'ResourceGroupId', 'DeleteInstanceOnFailure'];
const ADVANCED = ['AdvancedOptions.ImageNameSuffix', 'AdvancedOptions.RetainCloudAssistant', 'ImageName', 'ImageFamily', 'NvmeSupport', 'ClientToken'];
const SCALARS = [
  'BaseImageType', 'BaseImage', 'Name', 'Description', 'BuildContent', 'TestContent', 'RepairMode',
  'ImageOptions.ImageName', 'ImageOptions.ImageFamily', 'ImageOptions.Description', 'ImageOptions.ImageFeatures.NvmeSupport',
  'ImportImageOptions.Architecture', 'ImportImageOptions.OSType', 'ImportImageOptions.Platform', 'ImportImageOptions.BootMode',
  'ImportImageOptions.LicenseType', 'ImportImageOptions.RetentionStrategy', 'ImportImageOptions.RoleName', 'ImportImageOptions.ImageName',
  'ImportImageOptions.Description', 'ImportImageOptions.Features.NvmeSupport', 'ImportImageOptions.Features.ImdsSupport',
  'ImportImageOptions.RetainImportedImage', ...INSTANCE, ...ADVANCED,
];

/** Shows the field an error is about: opens its section, scrolls to it and focuses it. */
function revealField(wire: string): void {
  requestAnimationFrame(() => {
    const el = document.getElementById(fieldId(wire));
    if (!el) return;
    const details = el.closest('details');
    if (details) details.open = true;
    el.scrollIntoView({ block: 'center' });
    (el.matches('input, select, textarea') ? el : el.querySelector<HTMLElement>('input, select, textarea'))?.focus({ preventScroll: true });
  });
}

/**
 * /templates/new: every CreateImagePipeline parameter, in sections; the advanced ones collapsed.
 * `?from=<ImagePipelineId>` starts from a copy of that template (templates are immutable).
 */
export function CreateTemplatePage(props: { from?: string | undefined }) {
  const regionId = useRegion();
  const [form, setForm] = useState<TemplateForm>(emptyForm);
  const [source, setSource] = useState<{ name?: string; error?: unknown }>();
  useEffect(() => {
    if (!props.from) return;
    const ctl = new AbortController();
    call('DescribeImagePipelines', { RegionId: regionId, 'ImagePipelineId.1': props.from }, ctl.signal).then((r) => {
      const p = r.ImagePipeline.ImagePipelineSet[0];
      if (p) setForm(formFromPipeline(p));
      setSource(p ? { name: p.Name } : { error: new Error(`No template ${props.from} in ${regionId}.`) });
    }, (error: unknown) => ctl.signal.aborted || setSource({ error }));
    return () => ctl.abort();
  }, [props.from, regionId]);
  const [error, setError] = useState<{ err: unknown; field?: string; contentAt: string }>();
  const [busy, setBusy] = useState(false);
  const update = (patch: Partial<TemplateForm>) => setForm((f) => ({ ...f, ...patch }));
  const binding: FormBinding = useMemo(
    () => ({
      value: (wire) => form.fields[wire] ?? '',
      set: (wire, value) => setForm((f) => ({ ...f, fields: { ...f.fields, [wire]: value } })),
      errorFor: (wire) => (error?.field === wire && error.err instanceof Error ? error.err.message : undefined),
    }),
    [form.fields, error],
  );
  // A content error stays on its line until that content is edited.
  const markers: { BuildContent?: EditorMarker[]; TestContent?: EditorMarker[] } = {};
  if (error?.err instanceof ApiError && (error.field === 'BuildContent' || error.field === 'TestContent') && form.fields[error.field] === error.contentAt) {
    markers[error.field] = [lineMarker(error.err.code, error.err.message)];
  }
  const opened = (names: string[]) => Boolean(error?.field && names.includes(error.field));

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const params = toParams(regionId, form) as ParamsOf<'CreateImagePipeline'>;
      const r = await call('CreateImagePipeline', params);
      navigate(`/templates/${encodeURIComponent(r.ImagePipelineId)}`);
    } catch (err) {
      const field = fieldOfError(err, SCALARS);
      setError({ err, ...(field ? { field } : {}), contentAt: field ? (form.fields[field] ?? '') : '' });
      if (field) revealField(field);
    } finally {
      setBusy(false);
    }
  };

  const sectionProps = { regionId, form, update };
  return (
    <section class="templates-page">
      <div class="page-head">
        <h1>Create template</h1>
        <Link to="/templates">Back to templates</Link>
      </div>
      {source?.name ? <p class="hint">A copy of {source.name}: change what differs, give it a name, create it.</p> : null}
      {source?.error ? <ErrorBanner error={source.error} /> : null}
      <FormContext.Provider value={binding}>
        <form class="create-form" onSubmit={submit} noValidate aria-label="Create template">
          <SourceSection {...sectionProps} />
          <BuildSection {...sectionProps} markers={markers} />
          <OutputSection {...sectionProps} />
          <DistributionSection {...sectionProps} />
          <InstanceSection open={opened(INSTANCE)} />
          <ImportSection {...sectionProps} />
          <RepairSection {...sectionProps} open={opened(['RepairMode', 'RepairItem']) || form.repairItems.length > 0} />
          <AdvancedSection open={opened(ADVANCED)} />
          {error ? (
            <ErrorBanner error={error.err}>
              {error.field ? (
                <p>
                  <a href={`#${fieldId(error.field)}`} onClick={(ev) => { ev.preventDefault(); revealField(error.field!); }}>
                    Go to the field
                  </a>
                </p>
              ) : null}
            </ErrorBanner>
          ) : null}
          <div class="form-actions">
            <button type="button" onClick={() => navigate('/templates')}>
              Cancel
            </button>
            <button type="submit" class="primary" disabled={busy}>
              {busy ? 'Creating…' : 'Create template'}
            </button>
          </div>
        </form>
      </FormContext.Provider>
    </section>
  );
}
