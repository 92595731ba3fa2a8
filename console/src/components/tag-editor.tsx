import './controls.css';
/** A key/value pair as the create operations take them (`Tag.N.Key`, `Tag.N.Value`). */
export interface TagPair {
  key: string;
  value: string;
}

/** Rows of tag key and value inputs with add and remove (up to `max`). */
export function TagEditor(props: { legend: string; tags: readonly TagPair[]; onChange(tags: TagPair[]): void; max?: number; error?: string }) {
  const max = props.max ?? 20;
  const set = (i: number, t: TagPair) => props.onChange(props.tags.map((x, j) => (j === i ? t : x)));
  return (
    <fieldset class="tag-editor">
      <legend>{props.legend}</legend>
      {props.tags.map((t, i) => (
        <div class="tag-row" key={i}>
          <label>
            <span class="visually-hidden">{`${props.legend} ${i + 1} key`}</span>
            <input placeholder="Key" value={t.key} onInput={(e) => set(i, { ...t, key: e.currentTarget.value })} />
          </label>
          <label>
            <span class="visually-hidden">{`${props.legend} ${i + 1} value`}</span>
            <input placeholder="Value" value={t.value} onInput={(e) => set(i, { ...t, value: e.currentTarget.value })} />
          </label>
          <button type="button" aria-label={`Remove ${props.legend.toLowerCase()} ${i + 1}`} onClick={() => props.onChange(props.tags.filter((_, j) => j !== i))}>
            ×
          </button>
        </div>
      ))}
      {props.error ? <small class="field-error">{props.error}</small> : null}
      <button type="button" disabled={props.tags.length >= max} onClick={() => props.onChange([...props.tags, { key: '', value: '' }])}>
        + Add {props.legend.toLowerCase().replace(/s$/, '')}
      </button>
    </fieldset>
  );
}

/** `Tag.1.Key`… of the non-blank rows, under `prefix` (`Tag`, `ImageOptions.ImageTags`…). */
export function tagParams(prefix: string, tags: readonly TagPair[]): Record<string, string> {
  const out: Record<string, string> = {};
  let n = 0;
  for (const t of tags) {
    if (t.key.trim() === '' && t.value.trim() === '') continue;
    n++;
    out[`${prefix}.${n}.Key`] = t.key.trim();
    out[`${prefix}.${n}.Value`] = t.value.trim();
  }
  return out;
}
