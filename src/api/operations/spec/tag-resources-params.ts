import { MAX_RESOURCE_IDS, TAGGABLE } from '../../../app/tags.js';
import { list, notSupported, str, violation } from './build.js';

/* The parameters TagResources, UntagResources and ListTagResources share. */

/** `ResourceType`: `imagepipeline`, `imagecomponent` or `image`, any case (the input holds the lower-case name). */
export const resourceType = str('ResourceType', {
  required: true,
  enum: { values: TAGGABLE, ignoreCase: true, violation: notSupported('InvalidResourceType.NotFound') },
});

/** `ResourceId.N`: at most 50. */
export function resourceIds(o: { required?: true } = {}) {
  return list('ResourceId', str('ResourceId'), {
    ...o,
    maxItems: {
      max: MAX_RESOURCE_IDS,
      violation: violation('InvalidResourceId.ExceededMaxNumber', (c) => `At most ${MAX_RESOURCE_IDS} ResourceId values can be specified; got ${c.value}.`),
    },
  });
}
