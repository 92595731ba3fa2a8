import { useState } from 'preact/hooks';
import { call } from '../../api/client';
import type { Image } from '../../api/responses';
import { ErrorBanner, useAsync } from '../../components/async';
import { Link } from '../../components/link';
import { TaskStatus } from './task-status';

/**
 * CopyImage: a copy owned by the caller in a chosen region (an image shared with the caller
 * only within its region), with its CopyImage task (DescribeTasks by the copy's id).
 */
export function CopySection(props: { image: Image; region: string }) {
  const regions = useAsync((signal) => call('DescribeRegions', {}, signal), []);
  const list = (regions.value?.Regions as { Region?: Array<{ RegionId: string }> } | undefined)?.Region ?? [];
  const shared = props.image.ImageOwnerAlias === 'others';
  const [dest, setDest] = useState(props.region);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  // A copy in the source's region needs a name of its own (names are unique per region).
  const defaultName = dest === props.region ? `${props.image.ImageName.slice(0, 123)}-copy` : props.image.ImageName;
  const [copy, setCopy] = useState<{ imageId: string; region: string; taskId?: string } | undefined>();
  return (
    <section class="card copy" aria-labelledby="copy-title">
      <h2 id="copy-title">Copy to a region</h2>
      <form
        class="stack-form"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(undefined);
          try {
            const r = await call('CopyImage', {
              RegionId: props.region,
              ImageId: props.image.ImageId,
              DestinationRegionId: dest,
              DestinationImageName: name.trim() || defaultName,
              ...(description.trim() ? { DestinationDescription: description.trim() } : {}),
            });
            const tasks = await call('DescribeTasks', { RegionId: props.region, TaskAction: 'CopyImage', 'ResourceIds.1': r.ImageId }).catch(() => undefined);
            const taskId = tasks?.TaskSet.Task[0]?.TaskId;
            setCopy({ imageId: r.ImageId, region: dest, ...(taskId ? { taskId } : {}) });
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        <label>
          Destination region
          <select value={dest} onChange={(e) => setDest(e.currentTarget.value)} disabled={shared}>
            {list.length === 0 ? <option value={props.region}>{props.region}</option> : null}
            {list.map((r) => (
              <option key={r.RegionId} value={r.RegionId}>
                {r.RegionId}
              </option>
            ))}
          </select>
          {shared ? <small>An image shared with you is copied within its region; copy your copy to go further.</small> : null}
        </label>
        <label>
          Name of the copy
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder={defaultName} />
        </label>
        <label>
          Description of the copy
          <input value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </label>
        <div>
          <button type="submit" disabled={busy}>
            {busy ? 'Copying…' : 'Copy image'}
          </button>
        </div>
      </form>
      {error ? <ErrorBanner error={error} /> : null}
      {copy ? (
        <div role="status" class="result">
          <p>
            Copy{' '}
            <Link to={`/images/${encodeURIComponent(copy.imageId)}${copy.region !== props.region ? `?region=${encodeURIComponent(copy.region)}` : ''}`} class="mono">
              {copy.imageId}
            </Link>{' '}
            in {copy.region}.
          </p>
          {copy.taskId ? <TaskStatus taskId={copy.taskId} region={props.region} /> : null}
        </div>
      ) : null}
    </section>
  );
}
