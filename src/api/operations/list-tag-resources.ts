import { scopeFor } from '../../app/app.js';
import { listTagResources as listTagResourcesUseCase } from '../../app/tags.js';
import type { Operation } from './operation.js';

export const listTagResources: Operation = {
  action: 'ListTagResources',
  async handle({ app, accountId, params }) {
    const scope = scopeFor(app, accountId, params.str('RegionId'));
    const page = await listTagResourcesUseCase(app, scope, params.str('ResourceType'), params.list('ResourceId'), params.tags('Tag'), params.str('NextToken'));
    return {
      NextToken: page.nextToken,
      TagResources: {
        TagResource: page.items.map((r) => ({ ResourceType: r.resourceType, ResourceId: r.resourceId, TagKey: r.key, TagValue: r.value })),
      },
    };
  },
};
