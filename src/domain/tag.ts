import { KilnError } from './errors.js';

/** A resource tag. On the wire requests say `Key`/`Value`, responses `TagKey`/`TagValue`. */
export interface Tag {
  key: string;
  value: string;
}

export const MAX_TAGS = 20;

const URL_RE = /https?:\/\//i;

/**
 * Checks tags as ECS does: keys 1–128 chars, not `aliyun`/`acs:` prefixed, no URLs;
 * values 0–128 chars, not `acs:` prefixed, no URLs; keys unique.
 * `what` names the parameter in messages (`Tag`, `ImageOptions.ImageTags`).
 */
export function validateTags(tags: readonly Tag[], what = 'Tag'): void {
  if (tags.length > MAX_TAGS) {
    throw new KilnError('InvalidTagCount', `The number of ${what} exceeds the maximum of ${MAX_TAGS}.`);
  }
  const seen = new Set<string>();
  tags.forEach((tag, i) => {
    const n = i + 1;
    const { key, value } = tag;
    if (key.length < 1 || key.length > 128 || /^(aliyun|acs:)/i.test(key) || URL_RE.test(key)) {
      throw new KilnError('InvalidTagKey.Malformed', `The specified ${what}.${n}.Key is malformed: it must be 1 to 128 characters, must not start with "aliyun" or "acs:" and must not contain "http://" or "https://".`);
    }
    if (value.length > 128 || /^acs:/i.test(value) || URL_RE.test(value)) {
      throw new KilnError('InvalidTagValue.Malformed', `The specified ${what}.${n}.Value is malformed: it must be 0 to 128 characters, must not start with "acs:" and must not contain "http://" or "https://".`);
    }
    if (seen.has(key)) {
      throw new KilnError('Duplicate.TagKey', `The tag key "${key}" is specified more than once in ${what}.`);
    }
    seen.add(key);
  });
}
