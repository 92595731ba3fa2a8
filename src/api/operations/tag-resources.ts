import { tagResources as tagResourcesUseCase } from '../../app/tags.js';
import { defineRegionalOperation } from './operation.js';
import { tags } from './spec/common.js';
import { resourceIds, resourceType } from './spec/tag-resources-params.js';

export const tagResources = defineRegionalOperation({
  action: 'TagResources',
  summary: 'Adds or replaces tags on templates, components or images (at most 20 tags per resource).',
  params: {
    resourceType,
    resourceIds: resourceIds({ required: true }),
    tags: tags('Tag', { required: true }),
  },
  async run({ app, scope, input }) {
    await tagResourcesUseCase(app, scope, input.resourceType, input.resourceIds, input.tags);
    return {};
  },
});
