import { scopeFor } from '../../app/app.js';
import { tagResources as tagResourcesUseCase } from '../../app/tags.js';
import type { Operation } from './operation.js';

export const tagResources: Operation = {
  action: 'TagResources',
  async handle({ app, accountId, params }) {
    const scope = scopeFor(app, accountId, params.str('RegionId'));
    await tagResourcesUseCase(app, scope, params.str('ResourceType'), params.list('ResourceId'), params.tags('Tag'));
    return {};
  },
};
