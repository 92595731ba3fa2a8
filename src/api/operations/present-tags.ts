import type { Tag } from '../../domain/tag.js';

/** Tags as ECS responses write them: `{"Tag":[{"TagKey":…,"TagValue":…}]}`. */
export function presentTags(tags: readonly Tag[]): { Tag: Array<{ TagKey: string; TagValue: string }> } {
  return { Tag: tags.map((t) => ({ TagKey: t.key, TagValue: t.value })) };
}
