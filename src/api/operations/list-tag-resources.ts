import { listTagResources as listTagResourcesUseCase } from '../../app/tags.js';
import { MAX_TAGS } from '../../domain/tag.js';
import { defineRegionalOperation } from './operation.js';
import { violation } from './spec/build.js';
import { nextToken, tags } from './spec/common.js';
import { resourceIds, resourceType } from './spec/tag-resources-params.js';

export const listTagResources = defineRegionalOperation({
  action: 'ListTagResources',
  summary: 'The tags of templates, components or images, by resource ids or tag filters (one of them is required: MissingParameter.ResourceId).',
  params: {
    resourceType,
    resourceIds: resourceIds(),
    tags: tags('Tag', { maxItems: { max: MAX_TAGS, violation: violation('InvalidTagCount', () => `At most ${MAX_TAGS} Tag filters can be specified.`) } }),
    nextToken,
  },
  async run({ app, scope, input }) {
    const page = await listTagResourcesUseCase(app, scope, input.resourceType, input.resourceIds, input.tags, input.nextToken);
    return {
      NextToken: page.nextToken,
      TagResources: {
        TagResource: page.items.map((r) => ({ ResourceType: r.resourceType, ResourceId: r.resourceId, TagKey: r.key, TagValue: r.value })),
      },
    };
  },
});
