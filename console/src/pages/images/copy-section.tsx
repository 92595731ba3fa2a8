import { useState } from 'preact/hooks';
import { call } from '../../api/client';
import type { Image } from '../../api/responses';
import { ErrorBanner, useAsync } from '../../components/async';
import { Link } from '../../components/link';
import { TaskStatus } from './task-status';

interface CopyResult {
  region: string;
  imageId?: string;
  taskId?: string;
  error?: unknown;
}

/**
 * CopyImage to one or more regions: a copy owned by the caller in each (an image shared with
 * the caller only within its region), each with its CopyImage task (DescribeTasks by the copy's id).
 */
export function CopySection(props: { image: Image; region: string }) {
  const regions = useAsync((signal) => call('DescribeRegions', {}, signal), []);
  const listed = (regions.value?.Regions as { Region?: Array<{ RegionId: string }> } | undefined)?.Region ?? [];
  const all = listed.length > 0 ? listed.map((r) => r.RegionId) : [props.region];
  const shared = props.image.ImageOwnerAlias === 'others';
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set([props.region]));
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [results, setResults] = useState<CopyResult[]>([]);
  // A copy in the source's region needs a name of its own (names are unique per region).
  const nameFor = (dest: string) => name.trim() || (dest === props.region ? `${props.image.ImageName.slice(0, 123)}-copy` : props.image.ImageName);
  const copyTo = async (dest: string): Promise<CopyResult> => {
    try {
      const r = await call('CopyImage', {
        RegionId: props.region,
        ImageId: props.image.ImageId,
        DestinationRegionId: dest,
        DestinationImageName: nameFor(dest),
        ...(description.trim() ? { DestinationDescription: description.trim() } : {}),
      });
      const tasks = await call('DescribeTasks', { RegionId: props.region, TaskAction: 'CopyImage', 'ResourceIds.1': r.ImageId }).catch(() => undefined);
      const taskId = tasks?.TaskSet.Task[0]?.TaskId;
      return { region: dest, imageId: r.ImageId, ...(taskId ? { taskId } : {}) };
    } catch (error) {
      return { region: dest, error };
    }
  };
  const toggle = (r: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(r);
    else next.delete(r);
    setChosen(next);
  };
  return (
    <section class="card copy" aria-labelledby="copy-title">
      <h2 id="copy-title">Copy to regions</h2>
      <form
        class="stack-form"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setResults([]);
          const out: CopyResult[] = [];
          for (const dest of all.filter((r) => chosen.has(r))) {
            out.push(await copyTo(dest));
            setResults([...out]);
          }
          setBusy(false);
        }}
      >
        <fieldset class="region-choices">
          <legend>Destination regions</legend>
          {shared ? <small class="hint">An image shared with you is copied within its region; copy your copy to go further.</small> : null}
          <div class="region-list">
            {all.map((r) => (
              <label key={r} class="check">
                <input type="checkbox" checked={chosen.has(r)} disabled={shared && r !== props.region} onChange={(e) => toggle(r, e.currentTarget.checked)} />
                {r}
              </label>
            ))}
          </div>
        </fieldset>
        <label>
          Name of the copy
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder={nameFor(props.region)} />
          <small>Default: the source's name (with -copy in its own region).</small>
        </label>
        <label>
          Description of the copy
          <input value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </label>
        <div>
          <button type="submit" disabled={busy || chosen.size === 0}>
            {busy ? 'Copying…' : chosen.size > 1 ? `Copy image to ${chosen.size} regions` : 'Copy image'}
          </button>
        </div>
      </form>
      <ul class="copy-results" aria-live="polite">
        {results.map((c) => (
          <li key={c.region}>
            {c.error ? (
              <ErrorBanner error={c.error}>
                <span> ({c.region})</span>
              </ErrorBanner>
            ) : (
              <>
                <p>
                  Copy{' '}
                  <Link to={`/images/${encodeURIComponent(c.imageId!)}${c.region !== props.region ? `?region=${encodeURIComponent(c.region)}` : ''}`} class="mono">
                    {c.imageId}
                  </Link>{' '}
                  in {c.region}.
                </p>
                {c.taskId ? <TaskStatus taskId={c.taskId} region={props.region} /> : null}
              </>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
