import { scopeFor } from '../../app/app.js';
import { tagResources as tagResourcesUseCase } from '../../app/tags.js';
import { defineOperation } from './operation.js';
import { regionId, tags } from './spec/common.js';
import { resourceIds, resourceType } from './spec/tag-resources-params.js';

export const tagResources = defineOperation({
  action: 'TagResources',
  summary: 'Adds or replaces tags on templates or components (at most 20 tags per resource).',
  params: {
    regionId,
    resourceType,
    resourceIds: resourceIds({ required: true }),
    tags: tags('Tag', { required: true }),
  },
  async run({ app, accountId, input }) {
    await tagResourcesUseCase(app, scopeFor(app, accountId, input.regionId), input.resourceType, input.resourceIds, input.tags);
    return {};
  },
});
