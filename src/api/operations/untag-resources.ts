import { untagResources as untagResourcesUseCase } from '../../app/tags.js';
import { MAX_TAGS } from '../../domain/tag.js';
import { defineRegionalOperation } from './operation.js';
import { bool, list, str, violation } from './spec/build.js';
import { resourceIds, resourceType } from './spec/tag-resources-params.js';

export const untagResources = defineRegionalOperation({
  action: 'UntagResources',
  summary: 'Removes the named tags (or, with `All=true`, every tag) from templates, components or images.',
  params: {
    resourceType,
    resourceIds: resourceIds({ required: true }),
    tagKeys: list('TagKey', str('TagKey'), {
      maxItems: { max: MAX_TAGS, violation: violation('InvalidTagKey.ExceededMaxNumber', (c) => `At most ${MAX_TAGS} TagKey values can be specified; got ${c.value}.`) },
      doc: 'Required unless `All=true` (MissingParameter.TagKey).',
    }),
    all: bool('All', { default: false }),
  },
  async run({ app, scope, input }) {
    await untagResourcesUseCase(app, scope, input.resourceType, input.resourceIds, input.tagKeys, input.all);
    return {};
  },
});
