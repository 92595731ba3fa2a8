import { type ComponentChildren, Fragment } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { call } from '../../api/client';
import type { Image } from '../../api/responses';
import { ErrorBanner, useAsync } from '../../components/async';
import { ConfirmButton } from '../../components/confirm-button';
import { Link } from '../../components/link';
import { StatusBadge } from '../../components/status-badge';
import { TagChips } from '../../components/tag-chips';
import { useRegion } from '../../region';
import { navigate } from '../../router';
import { CopySection } from './copy-section';
import { ExportSection } from './export-section';
import { LayersSection } from './layers-section';
import { ModifySection } from './modify-section';
import { SharingSection } from './sharing-section';
import './images.css';
import { formatGiB, formatTime } from '../../components/format';

/** How often an image still being made (Creating, Waiting) is read again. */
const POLL_MS = 3000;

function Attributes(props: { image: Image; region: string }) {
  const i = props.image;
  const rows: Array<[string, ComponentChildren]> = [
    ['Image ID', <span class="mono">{i.ImageId}</span>],
    ['Name', i.ImageName],
    ['Description', i.Description || '—'],
    ['Family', i.ImageFamily || '—'],
    ['Status', <><StatusBadge status={i.Status} /> {i.Status === 'Creating' ? i.Progress : null}</>],
    ['Owner', i.ImageOwnerAlias === 'self' ? 'You' : i.ImageOwnerAlias === 'others' ? `Shared with you by ${i.ImageOwnerId ?? 'another account'}` : 'System'],
    ['Region', props.region],
    ['OS', [i.OSNameEn || i.OSName, i.OSType, i.Platform].filter(Boolean).join(' · ') || '—'],
    ['Architecture', i.Architecture || '—'],
    ['Boot mode', i.BootMode || '—'],
    ['Size', formatGiB(i.Size)],
    ['License type', i.LicenseType || '—'],
    ['Features', `NVMe ${i.Features?.NvmeSupport ?? '—'} · IMDS ${i.Features?.ImdsSupport ?? '—'}`],
    ['Copied', i.IsCopied ? 'Yes (a copy of another image)' : 'No'],
    ['Shared', i.IsSelfShared === 'true' ? 'Yes' : i.ImageOwnerAlias === 'self' ? 'No' : '—'],
    ['Created', <time dateTime={i.CreationTime}>{formatTime(i.CreationTime)}</time>],
    ['Tags', <TagChips tags={i.Tags?.Tag} empty="none" />],
  ];
  return (
    <section class="card" aria-labelledby="attrs-title">
      <h2 id="attrs-title">Attributes</h2>
      <dl class="attrs">
        {rows.map(([k, v]) => (
          <Fragment key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </Fragment>
        ))}
      </dl>
    </section>
  );
}

/**
 * One image: attributes, layers and, for the caller's own images, modify, sharing, copy,
 * export and delete (copy also for an image shared with the caller). `?region=` shows an image
 * of another region (the copy just made there).
 */
export function ImageDetailPage(props: { id: string; query: URLSearchParams }) {
  const current = useRegion();
  const region = props.query.get('region') || current;
  const loaded = useAsync(async (signal) => {
    const r = await call('DescribeImages', { RegionId: region, ImageId: props.id, Status: 'ALL', PageSize: 1 }, signal);
    return r.Images.Image[0] ?? null;
  }, [region, props.id]);
  const image = loaded.value;
  const settling = image?.Status === 'Creating' || image?.Status === 'Waiting';
  useEffect(() => {
    if (!settling) return;
    const t = setInterval(loaded.reload, POLL_MS);
    return () => clearInterval(t);
  }, [settling, loaded.reload]);
  if (loaded.error && !image) return <ErrorBanner error={loaded.error} />;
  if (image === undefined) return <p class="loading">Loading…</p>;
  if (image === null) {
    return (
      <section>
        <h1>Image not found</h1>
        <p>
          No image {props.id} is visible to you in {region}. <Link to="/images">Back to the images</Link>.
        </p>
      </section>
    );
  }
  const own = image.ImageOwnerAlias === 'self';
  return (
    <section class="image-page">
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link to="/images">Images</Link> / <span class="mono">{image.ImageId}</span>
      </nav>
      <div class="head-row">
        <h1>{image.ImageName}</h1>
        <StatusBadge status={image.Status} />
        <span class="spacer" />
        {own ? <DeleteImage image={image} region={region} /> : null}
      </div>
      {loaded.error ? <ErrorBanner error={loaded.error} /> : null}
      <div class="image-grid">
        <Attributes image={image} region={region} />
        <LayersSection imageId={image.ImageId} region={region} />
        {own ? <ModifySection image={image} region={region} onSaved={loaded.reload} /> : null}
        {own ? <SharingSection imageId={image.ImageId} region={region} onChanged={loaded.reload} /> : null}
        {image.ImageOwnerAlias !== 'system' ? <CopySection image={image} region={region} /> : null}
        {own ? <ExportSection imageId={image.ImageId} region={region} /> : null}
      </div>
    </section>
  );
}

function DeleteImage(props: { image: Image; region: string }) {
  const force = useRef(false);
  return (
    <ConfirmButton
      label="Delete"
      title={`Delete image ${props.image.ImageName}?`}
      action={async () => {
        await call('DeleteImage', { RegionId: props.region, ImageId: props.image.ImageId, ...(force.current ? { Force: true } : {}) });
        navigate('/images', { replace: true });
      }}
    >
      <p>
        <span class="mono">{props.image.ImageId}</span> is deleted for good. Copies made from it, and layers other images share, stay.
      </p>
      <label class="check">
        <input type="checkbox" onChange={(e) => {
          force.current = e.currentTarget.checked;
        }} />
        Force: delete it even if it is shared with other accounts (they lose it)
      </label>
    </ConfirmButton>
  );
}
