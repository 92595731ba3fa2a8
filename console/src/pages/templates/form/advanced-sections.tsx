import { useContext } from 'preact/hooks';
import { TagEditor } from '../../../components/tag-editor';
import { BoolField, FormContext, SelectField, TextField } from './fields';
import type { DiskMapping } from './form-state';
import type { SectionProps } from './main-sections';

/* The create form's collapsed sections: the build instance, the OSS import, repair, advanced. */

export function InstanceSection(props: { open: boolean }) {
  return (
    <details class="card form-section" open={props.open}>
      <summary>Build instance</summary>
      <div class="fields">
        <TextField wire="InstanceType" label="Instance type" placeholder="ecs.g7.large" />
        <TextField wire="SystemDiskSize" label="System disk size (GiB)" type="number" min={20} max={500} placeholder="40" hint="20–500 GiB; default 40." />
        <TextField wire="InternetMaxBandwidthOut" label="Internet bandwidth out (Mbit/s)" type="number" min={0} max={100} placeholder="0" hint="0–100; default 0." />
        <TextField wire="VSwitchId" label="vSwitch ID" placeholder="vsw-…" />
        <TextField wire="ResourceGroupId" label="Resource group ID" placeholder="rg-…" />
        <BoolField wire="DeleteInstanceOnFailure" label="Delete the instance when a build fails" defaultLabel="(default: true)" />
      </div>
    </details>
  );
}

const FORMATS = ['RAW', 'VHD', 'QCOW2'];
const PLATFORMS = [
  'Aliyun', 'Anolis', 'CentOS', 'Ubuntu', 'CoreOS', 'SUSE', 'Debian', 'OpenSUSE', 'FreeBSD', 'RedHat', 'Kylin', 'UOS', 'Fedora', 'Fedora CoreOS',
  'CentOS Stream', 'AlmaLinux', 'Rocky Linux', 'Gentoo', 'Customized Linux', 'Others Linux', 'Windows Server 2022', 'Windows Server 2019',
  'Windows Server 2016', 'Windows Server 2012', 'Windows Server 2008', 'Windows Server 2003', 'Other Windows',
];

function DiskRows(props: { disks: DiskMapping[]; onChange(d: DiskMapping[]): void }) {
  const error = useContext(FormContext).errorFor('ImportImageOptions.DiskDeviceMappings');
  const set = (i: number, patch: Partial<DiskMapping>) => props.onChange(props.disks.map((d, j) => (j === i ? { ...d, ...patch } : d)));
  return (
    <fieldset id="f-ImportImageOptions-DiskDeviceMappings">
      <legend>Disk files (the first is the system disk)</legend>
      {props.disks.map((d, i) => {
        const n = i + 1;
        return (
          <div class="disk-row" key={n}>
            <label>
              {`Disk ${n} OSS bucket`}
              <input value={d.OSSBucket} onInput={(e) => set(i, { OSSBucket: e.currentTarget.value })} />
            </label>
            <label>
              {`Disk ${n} OSS object`}
              <input value={d.OSSObject} onInput={(e) => set(i, { OSSObject: e.currentTarget.value })} />
            </label>
            <label>
              {`Disk ${n} format`}
              <select value={d.Format} onChange={(e) => set(i, { Format: e.currentTarget.value })}>
                <option value="">(detect)</option>
                {FORMATS.map((f) => (
                  <option key={f}>{f}</option>
                ))}
              </select>
            </label>
            <label>
              {`Disk ${n} size (GiB)`}
              <input type="number" min={1} max={2048} value={d.DiskImageSize} onInput={(e) => set(i, { DiskImageSize: e.currentTarget.value })} />
            </label>
            <button type="button" aria-label={`Remove disk ${n}`} disabled={props.disks.length === 1} onClick={() => props.onChange(props.disks.filter((_, j) => j !== i))}>
              ×
            </button>
          </div>
        );
      })}
      {error ? <small class="field-error" role="alert">{error}</small> : null}
      <button type="button" disabled={props.disks.length >= 17} onClick={() => props.onChange([...props.disks, { OSSBucket: '', OSSObject: '', Format: '', DiskImageSize: '' }])}>
        + Add disk
      </button>
    </fieldset>
  );
}

/** ImportImageOptions.*: only sent when the base image type is OSS. */
export function ImportSection(props: SectionProps) {
  const oss = props.form.fields.BaseImageType === 'OSS';
  const form = useContext(FormContext);
  return (
    <details class="card form-section" open={oss}>
      <summary>Import from OSS {oss ? '' : '(base image type OSS only)'}</summary>
      <fieldset class="plain" disabled={!oss}>
        <legend class="visually-hidden">Import options</legend>
        <DiskRows disks={props.form.disks} onChange={(disks) => props.update({ disks })} />
        <div class="fields">
          <SelectField wire="ImportImageOptions.Architecture" label="Architecture" options={['x86_64', 'arm64']} defaultLabel="(default: x86_64)" />
          <SelectField wire="ImportImageOptions.OSType" label="OS type" options={['linux', 'windows']} defaultLabel="(default: linux)" />
          <SelectField wire="ImportImageOptions.Platform" label="Platform" options={PLATFORMS} defaultLabel="(default: Others Linux)" />
          <SelectField wire="ImportImageOptions.BootMode" label="Boot mode" options={['BIOS', 'UEFI']} defaultLabel="(default: BIOS)" />
          <SelectField wire="ImportImageOptions.LicenseType" label="License type" options={['Auto', 'Aliyun', 'BYOL']} defaultLabel="(default: Auto)" />
          <SelectField wire="ImportImageOptions.Features.NvmeSupport" label="Imported image NVMe support" options={['supported', 'unsupported']} defaultLabel="(default: unsupported)" />
          <TextField wire="ImportImageOptions.Features.ImdsSupport" label="IMDS support" placeholder="v2" />
          <TextField wire="ImportImageOptions.ImageName" label="Imported image name" />
          <TextField wire="ImportImageOptions.Description" label="Imported image description" />
          <TextField wire="ImportImageOptions.RoleName" label="RAM role name" />
          <TextField wire="ImportImageOptions.RetentionStrategy" label="Retention strategy" />
          <BoolField wire="ImportImageOptions.RetainImportedImage" label="Keep the imported image" defaultLabel="(default)" />
        </div>
        <TagEditor legend="Imported image tags" tags={props.form.importTags} onChange={(importTags) => props.update({ importTags })} error={form.errorFor('ImportImageOptions.ImportImageTags')} />
      </fieldset>
    </details>
  );
}

const REPAIR_ITEMS = ['GUESTOS.CloudInit', 'GUESTOS.Dhcp', 'GUESTOS.Virtio', 'GUESTOS.OnlineResizeFS', 'GUESTOS.Grub', 'GUESTOS.Fstab', 'GUESTOS.Update', 'GUESTOS.Hotfix', 'GUESTOS.Server'];

export function RepairSection(props: SectionProps & { open: boolean }) {
  const error = useContext(FormContext).errorFor('RepairItem');
  const items = props.form.repairItems;
  return (
    <details class="card form-section" open={props.open}>
      <summary>Repair</summary>
      <div class="fields">
        <SelectField wire="RepairMode" label="Repair mode" options={['Standard']} defaultLabel="(none)" hint="Required when repair items are chosen." />
      </div>
      <fieldset id="f-RepairItem">
        <legend>Repair items</legend>
        <div class="check-list">
          {REPAIR_ITEMS.map((r) => (
            <label key={r} class="check">
              <input type="checkbox" checked={items.includes(r)} onChange={(e) => props.update({ repairItems: e.currentTarget.checked ? [...items, r] : items.filter((x) => x !== r) })} />
              {r}
            </label>
          ))}
        </div>
        {error ? <small class="field-error" role="alert">{error}</small> : null}
      </fieldset>
    </details>
  );
}

export function AdvancedSection(props: { open: boolean }) {
  return (
    <details class="card form-section" open={props.open}>
      <summary>Advanced</summary>
      <div class="fields">
        <SelectField wire="AdvancedOptions.ImageNameSuffix" label="Image name suffix" options={['disable']} defaultLabel="(add a timestamp)" />
        <BoolField wire="AdvancedOptions.RetainCloudAssistant" label="Keep Cloud Assistant in the image" defaultLabel="(default)" />
        <TextField wire="ImageName" label="Image name (deprecated form)" hint="Use Image name prefix above." />
        <TextField wire="ImageFamily" label="Image family (deprecated form)" hint="Use Image family above." />
        <SelectField wire="NvmeSupport" label="NVMe support (deprecated form)" options={['supported', 'unsupported', 'auto']} />
        <TextField wire="ClientToken" label="Client token" hint="Makes a retried create return the same template (at most 64 ASCII characters)." />
      </div>
    </details>
  );
}
