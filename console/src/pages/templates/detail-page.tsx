import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { call } from '../../api/client';
import type { ImagePipeline } from '../../api/responses';
import { ErrorBanner, useAsync } from '../../components/async';
import { CodeEditor } from '../../components/code-editor';
import { ConfirmButton } from '../../components/confirm-button';
import { Link } from '../../components/link';
import { NotFound } from '../../components/not-found';
import { TagChips } from '../../components/tag-chips';
import { useRegion } from '../../region';
import { navigate } from '../../router';
import { startBuild } from './actions';
import { ExecutionsTable } from './executions-table';
import './templates.css';

/** Rows that show `text` whole, between 4 and `max`. */
const fit = (text: string | undefined, max: number) => Math.min(max, Math.max(4, (text ?? '').split('\n').length));

function rows(p: ImagePipeline): Array<[string, ComponentChildren]> {
  const o = p.ImageOptions;
  const i = p.ImportImageOptions;
  const list = (v: string[] | undefined) => (v?.length ? v.join(', ') : undefined);
  const all: Array<[string, ComponentChildren]> = [
    ['Template ID', <code key="id">{p.ImagePipelineId}</code>],
    ['Description', p.Description],
    ['Created', new Date(p.CreationTime).toLocaleString()],
    ['Base image', `${p.BaseImageType}${p.BaseImage ? ` · ${p.BaseImage}` : ''}`],
    ['Image name prefix', o?.ImageName ?? p.ImageName],
    ['Image family', o?.ImageFamily ?? p.ImageFamily],
    ['Image description', o?.Description],
    ['NVMe support', o?.ImageFeatures?.NvmeSupport ?? p.NvmeSupport],
    ['Image tags', o?.ImageTags?.ImageTag?.length ? <TagChips key="it" tags={o.ImageTags.ImageTag} /> : undefined],
    ['Copied to regions', list(p.ToRegionIds?.ToRegionId)],
    ['Shared with accounts', list(p.AddAccounts?.AddAccount)],
    ['Instance type', p.InstanceType],
    ['System disk', p.SystemDiskSize !== undefined ? `${p.SystemDiskSize} GiB` : undefined],
    ['Internet bandwidth out', p.InternetMaxBandwidthOut !== undefined ? `${p.InternetMaxBandwidthOut} Mbit/s` : undefined],
    ['vSwitch', p.VSwitchId],
    ['Resource group', p.ResourceGroupId],
    ['Delete instance on failure', p.DeleteInstanceOnFailure === undefined ? undefined : String(p.DeleteInstanceOnFailure)],
    ['Repair', p.RepairMode ? `${p.RepairMode}${list(p.RepairItems?.RepairItem) ? `: ${list(p.RepairItems?.RepairItem)}` : ''}` : undefined],
    ['Image name suffix', p.AdvancedOptions?.ImageNameSuffix],
    ['Keep Cloud Assistant', p.AdvancedOptions?.RetainCloudAssistant === undefined ? undefined : String(p.AdvancedOptions.RetainCloudAssistant)],
  ];
  if (i) {
    const disks = i.DiskDeviceMappings?.DiskDeviceMapping ?? [];
    all.push(
      ['Import disks', disks.map((d) => `oss://${d.OSSBucket}/${d.OSSObject}${d.Format ? ` (${d.Format})` : ''}`).join(', ') || undefined],
      ['Import platform', [i.OSType, i.Platform, i.Architecture, i.BootMode, i.LicenseType].filter(Boolean).join(' · ') || undefined],
    );
  }
  return all.filter(([, v]) => v !== undefined && v !== '');
}

/** /templates/:id: a template's attributes, contents (read-only), tags and builds; start a build, delete. */
export function TemplateDetailPage(props: { id: string }) {
  const regionId = useRegion();
  const [actionError, setActionError] = useState<unknown>();
  const [starting, setStarting] = useState(false);
  const got = useAsync((signal) => call('DescribeImagePipelines', { RegionId: regionId, 'ImagePipelineId.1': props.id }, signal), [regionId, props.id]);
  const p = got.value?.ImagePipeline.ImagePipelineSet[0];
  if (got.error) return <ErrorBanner error={got.error} />;
  if (!p) {
    return got.loading ? (
      <p class="loading">Loading…</p>
    ) : (
      <NotFound noun="template" id={props.id} regionId={regionId} back={{ to: '/templates', text: 'Back to templates' }} />
    );
  }
  return (
    <section class="templates-page">
      <nav class="hint" aria-label="Breadcrumb">
        <Link to="/templates">Templates</Link> / {p.Name}
      </nav>
      <div class="page-head">
        <h1>{p.Name}</h1>
        <div class="actions">
          <button
            type="button"
            class="primary"
            disabled={starting}
            onClick={async () => {
              setStarting(true);
              setActionError(undefined);
              await startBuild(regionId, p.ImagePipelineId).catch(setActionError);
              setStarting(false);
            }}
          >
            Start build
          </button>
          <Link to={`/templates/new?from=${encodeURIComponent(p.ImagePipelineId)}`} class="button">
            Duplicate
          </Link>
          <ConfirmButton
            label="Delete"
            title="Delete this template?"
            action={async () => {
              await call('DeleteImagePipeline', { RegionId: regionId, ImagePipelineId: p.ImagePipelineId });
              navigate('/templates', { replace: true });
            }}
          >
            <p>
              Template <strong>{p.Name}</strong> (<code>{p.ImagePipelineId}</code>) and its build history will be deleted. Images it built are kept.
            </p>
          </ConfirmButton>
        </div>
      </div>
      {actionError ? <ErrorBanner error={actionError} /> : null}
      <TagChips tags={p.Tags?.Tag} />
      <div class="detail-grid">
        <div class="card">
          <h2>Attributes</h2>
          <dl class="attrs">
            {rows(p).map(([k, v]) => [<dt key={`t-${k}`}>{k}</dt>, <dd key={`d-${k}`}>{v}</dd>])}
          </dl>
        </div>
        <div class="card contents">
          <CodeEditor label="Build content" value={p.BuildContent ?? ''} readOnly rows={fit(p.BuildContent, 16)} />
          {p.TestContent ? <CodeEditor label="Test content" value={p.TestContent} readOnly rows={fit(p.TestContent, 10)} /> : null}
        </div>
      </div>
      <h2>Builds</h2>
      <ExecutionsTable regionId={regionId} imagePipelineId={p.ImagePipelineId} />
    </section>
  );
}
