import { useState } from 'preact/hooks';
import { call } from '../../api/client';
import { ErrorBanner } from '../../components/async';
import { LabelledSelect } from '../../components/labelled-select';
import { TaskStatus } from './task-status';

const FORMATS = ['raw', 'vhd', 'qcow2', 'vmdk', 'vdi'] as const;
type Format = (typeof FORMATS)[number];

/**
 * ExportImage: the image as a disk (GPT, root file system on ext4, no bootloader) written to
 * `<prefix>_<ImageId>_system.<format>` in an OSS bucket through the account's OSS grant; its
 * ExportImage task is followed below.
 */
export function ExportSection(props: { imageId: string; region: string }) {
  const [bucket, setBucket] = useState('');
  const [prefix, setPrefix] = useState('');
  const [format, setFormat] = useState<Format>('raw');
  const [role, setRole] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [taskId, setTaskId] = useState<string | undefined>();
  const prefixOk = prefix === '' || /^[A-Za-z0-9]{1,30}$/.test(prefix);
  return (
    <section class="card export" aria-labelledby="export-title">
      <h2 id="export-title">Export to OSS</h2>
      <form
        class="stack-form"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!prefixOk) return;
          setBusy(true);
          setError(undefined);
          try {
            const r = await call('ExportImage', {
              RegionId: props.region,
              ImageId: props.imageId,
              OSSBucket: bucket.trim(),
              ImageFormat: format,
              ...(prefix ? { OSSPrefix: prefix } : {}),
              ...(role.trim() ? { RoleName: role.trim() } : {}),
            });
            setTaskId(r.TaskId);
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        <label>
          OSS bucket
          <input value={bucket} required onInput={(e) => setBucket(e.currentTarget.value)} />
        </label>
        <label>
          Object prefix
          <input value={prefix} onInput={(e) => setPrefix(e.currentTarget.value)} aria-invalid={!prefixOk} aria-describedby="export-prefix-hint" />
          <small id="export-prefix-hint">
            {prefixOk ? `1 to 30 letters and digits. The object: ${prefix ? `${prefix}_` : ''}${props.imageId}_system.${format}` : 'Only 1 to 30 letters and digits.'}
          </small>
        </label>
        <LabelledSelect label="Format" value={format} options={FORMATS} onChange={(v) => setFormat(v as Format)} />
        <label>
          Role name
          <input value={role} onInput={(e) => setRole(e.currentTarget.value)} placeholder="AliyunECSImageExportDefaultRole" />
          <small>Which of the account's OSS grants writes the object.</small>
        </label>
        <div>
          <button type="submit" disabled={busy || !bucket.trim() || !prefixOk}>
            {busy ? 'Starting…' : 'Export image'}
          </button>
        </div>
      </form>
      {error ? <ErrorBanner error={error} /> : null}
      {taskId ? <TaskStatus taskId={taskId} region={props.region} /> : null}
    </section>
  );
}
