import { useState } from 'preact/hooks';
import { call } from '../../api/client';
import type { ParamsOf } from '../../api/operations.generated';
import type { Image } from '../../api/responses';
import { ErrorBanner } from '../../components/async';

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
  const set = (k: keyof typeof initial) => (e: { currentTarget: { value: string } }) => {
    setSaved(false);
    setF({ ...f, [k]: e.currentTarget.value });
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
          <input value={f.name} onInput={set('name')} required />
        </label>
        <label>
          Description
          <textarea value={f.description} onInput={set('description')} rows={2} />
        </label>
        <label>
          Family
          <input value={f.family} onInput={set('family')} />
        </label>
        <label>
          Status
          <select value={f.status} onChange={set('status')} disabled={!statusEditable}>
            {statusEditable ? null : <option value={i.Status}>{i.Status}</option>}
            <option value="Available">Available</option>
            <option value="Deprecated">Deprecated (hidden from its family)</option>
          </select>
        </label>
        <label>
          Boot mode
          <select value={f.bootMode} onChange={set('bootMode')}>
            {f.bootMode === '' ? <option value="">—</option> : null}
            {['BIOS', 'UEFI', 'UEFI-Preferred'].map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label>
          License type
          <select value={f.license} onChange={set('license')}>
            {f.license !== 'BYOL' ? <option value={f.license}>{f.license || '—'}</option> : null}
            <option value="BYOL">BYOL</option>
          </select>
        </label>
        <label>
          NVMe support
          <select value={f.nvme} onChange={set('nvme')}>
            <option value="supported">supported</option>
            <option value="unsupported">unsupported</option>
          </select>
        </label>
        <label>
          IMDS support
          <select value={f.imds} onChange={set('imds')}>
            <option value="v1">v1</option>
            <option value="v2">v2 (cannot go back to v1)</option>
          </select>
        </label>
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
