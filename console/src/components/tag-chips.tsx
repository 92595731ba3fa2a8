import './controls.css';
import type { Tag } from '../api/responses';

/** Tags as chips (`key: value`); nothing when there are none. */
export function TagChips(props: { tags: readonly Tag[] | undefined; empty?: string }) {
  const tags = props.tags ?? [];
  if (tags.length === 0) return props.empty ? <span class="hint">{props.empty}</span> : null;
  return (
    <ul class="chips" aria-label="Tags">
      {tags.map((t) => (
        <li key={t.TagKey} class="chip" title={`${t.TagKey}: ${t.TagValue}`}>
          <span class="chip-key">{t.TagKey}</span>
          {t.TagValue ? <span class="chip-value">{t.TagValue}</span> : null}
        </li>
      ))}
    </ul>
  );
}
