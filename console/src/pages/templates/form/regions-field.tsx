import { useContext } from 'preact/hooks';
import { call } from '../../../api/client';
import { useAsync } from '../../../components/async';
import { FormContext } from './fields';

const MAX_REGIONS = 20;

/** ToRegionId.N: the regions the built image is copied to, as checkboxes of DescribeRegions. */
export function RegionsField(props: { regionId: string; values: readonly string[]; onChange(values: string[]): void }) {
  const error = useContext(FormContext).errorFor('ToRegionId');
  const regions = useAsync((signal) => call('DescribeRegions', {}, signal), []);
  const list = ((regions.value?.Regions as { Region?: Array<{ RegionId: string; LocalName?: string }> } | undefined)?.Region ?? []).filter(
    (r) => r.RegionId !== props.regionId,
  );
  return (
    <fieldset id="f-ToRegionId" class="regions-field" aria-describedby={error ? 'f-ToRegionId-error' : undefined}>
      <legend>Copy the image to regions</legend>
      {regions.error ? <p class="field-error">Regions unavailable.</p> : null}
      {list.length === 0 && !regions.error ? <p class="hint">{regions.loading ? 'Loading regions…' : 'No other region.'}</p> : null}
      <div class="check-list">
        {list.map((r) => (
          <label key={r.RegionId} class="check" title={r.LocalName}>
            <input
              type="checkbox"
              checked={props.values.includes(r.RegionId)}
              disabled={!props.values.includes(r.RegionId) && props.values.length >= MAX_REGIONS}
              onChange={(e) =>
                props.onChange(e.currentTarget.checked ? [...props.values, r.RegionId] : props.values.filter((v) => v !== r.RegionId))
              }
            />
            {r.RegionId}
          </label>
        ))}
      </div>
      {error ? (
        <small class="field-error" id="f-ToRegionId-error" role="alert">
          {error}
        </small>
      ) : null}
    </fieldset>
  );
}
