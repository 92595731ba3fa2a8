import { useState } from 'preact/hooks';
import { call } from '../../api/client';
import type { ParamsOf } from '../../api/operations.generated';
import type { Image } from '../../api/responses';
import { ErrorBanner } from '../../components/async';
import { LabelledSelect } from '../../components/labelled-select';

type Change = ParamsOf<'ModifyImageAttribute'>;

/** ModifyImageAttribute: name, description, family, status, boot mode, license type, features. Only changed fields are sent. */
export function ModifySection(props: { image: Image; region: string; onSaved(): void }) {
  const i = props.image;
  const initial = {
    name: i.ImageName, description: i.Description ?? '', family: i.ImageFamily ?? '', status: i.Status, bootMode: i.BootMode ?? '',
    license: i.LicenseType ?? '', nvme: i.Features?.NvmeSupport ?? '', imds: i.Features?.ImdsSupport ?? '',
  };
  const [f, setF] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const change = (k: keyof typeof initial, value: string) => {
    setSaved(false);
    setF({ ...f, [k]: value });
  };
  const changed = (k: keyof typeof initial) => f[k] !== initial[k] && f[k] !== '';
  const statusEditable = i.Status === 'Available' || i.Status === 'Deprecated';
  return (
    <section class="card modify" aria-labelledby="modify-title">
      <h2 id="modify-title">Modify attributes</h2>
      <form
        class="stack-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const p: Change = { RegionId: props.region, ImageId: i.ImageId };
          if (changed('name')) p.ImageName = f.name.trim();
          if (changed('description')) p.Description = f.description;
          if (changed('family')) p.ImageFamily = f.family.trim();
          if (changed('status')) p.Status = f.status as Change['Status'];
          if (changed('bootMode')) p.BootMode = f.bootMode as Change['BootMode'];
          if (changed('license')) p.LicenseType = f.license as Change['LicenseType'];
          if (changed('nvme')) p['Features.NvmeSupport'] = f.nvme as Change['Features.NvmeSupport'];
          if (changed('imds')) p['Features.ImdsSupport'] = f.imds as Change['Features.ImdsSupport'];
          setBusy(true);
          setError(undefined);
          try {
            await call('ModifyImageAttribute', p);
            setSaved(true);
            props.onSaved();
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        <label>
          Name
          <input value={f.name} onInput={(e) => change('name', e.currentTarget.value)} required />
        </label>
        <label>
          Description
          <textarea value={f.description} onInput={(e) => change('description', e.currentTarget.value)} rows={2} />
        </label>
        <label>
          Family
          <input value={f.family} onInput={(e) => change('family', e.currentTarget.value)} />
        </label>
        <LabelledSelect
          label="Status"
          value={f.status}
          options={[...(statusEditable ? [] : [i.Status]), 'Available', ['Deprecated', 'Deprecated (hidden from its family)']]}
          onChange={(v) => change('status', v)}
          disabled={!statusEditable}
        />
        <LabelledSelect
          label="Boot mode"
          value={f.bootMode}
          options={[...(f.bootMode === '' ? [['', '—'] as const] : []), 'BIOS', 'UEFI', 'UEFI-Preferred']}
          onChange={(v) => change('bootMode', v)}
        />
        <LabelledSelect
          label="License type"
          value={f.license}
          options={[...(f.license !== 'BYOL' ? [[f.license, f.license || '—'] as const] : []), 'BYOL']}
          onChange={(v) => change('license', v)}
        />
        <LabelledSelect label="NVMe support" value={f.nvme} options={['supported', 'unsupported']} onChange={(v) => change('nvme', v)} />
        <LabelledSelect label="IMDS support" value={f.imds} options={['v1', ['v2', 'v2 (cannot go back to v1)']]} onChange={(v) => change('imds', v)} />
        <div>
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Save attributes'}
          </button>{' '}
          <span role="status" class="hint">{saved ? 'Saved.' : ''}</span>
        </div>
      </form>
      {error ? <ErrorBanner error={error} /> : null}
    </section>
  );
}
