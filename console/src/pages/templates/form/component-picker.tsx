import { useId, useState } from 'preact/hooks';
import { call } from '../../../api/client';
import { useAsync } from '../../../components/async';

/**
 * Picks a component (the account's, or a system one) and hands `COMPONENT <id>` to `onInsert`
 * (the editor puts it on a line of its own after the caret).
 */
export function ComponentPicker(props: { regionId: string; componentType: 'Build' | 'Test'; target: string; onInsert(line: string): void }) {
  const id = useId();
  const [owner, setOwner] = useState<'SELF' | 'ALIYUN'>('SELF');
  const [chosen, setChosen] = useState('');
  const comps = useAsync(
    (signal) => call('DescribeImageComponents', { RegionId: props.regionId, Owner: owner, ComponentType: props.componentType, MaxResults: 100 }, signal),
    [props.regionId, owner, props.componentType],
  );
  const list = comps.value?.ImageComponent.ImageComponentSet ?? [];
  const selected = list.some((c) => c.ImageComponentId === chosen) ? chosen : (list[0]?.ImageComponentId ?? '');
  return (
    <div class="picker-row component-picker">
      <label for={`${id}-owner`}>
        Components from
        <select id={`${id}-owner`} value={owner} onChange={(e) => setOwner(e.currentTarget.value as 'SELF' | 'ALIYUN')}>
          <option value="SELF">My components</option>
          <option value="ALIYUN">System components</option>
        </select>
      </label>
      <label for={`${id}-component`}>
        {`${props.componentType} component`}
        <select id={`${id}-component`} value={selected} disabled={list.length === 0} onChange={(e) => setChosen(e.currentTarget.value)}>
          {list.length === 0 ? <option value="">{comps.loading ? 'Loading…' : comps.error ? 'Unavailable' : 'None in this region'}</option> : null}
          {list.map((c) => (
            <option key={c.ImageComponentId} value={c.ImageComponentId}>
              {`${c.Name} ${c.ComponentVersion ?? ''} (${c.ImageComponentId})`}
            </option>
          ))}
        </select>
      </label>
      <button type="button" disabled={!selected} onClick={() => props.onInsert(`COMPONENT ${selected}`)}>
        {`Insert into ${props.target}`}
      </button>
    </div>
  );
}
