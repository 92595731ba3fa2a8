import { scopeFor } from '../../app/app.js';
import { untagResources as untagResourcesUseCase } from '../../app/tags.js';
import type { Operation } from './operation.js';

export const untagResources: Operation = {
  action: 'UntagResources',
  async handle({ app, accountId, params }) {
    const scope = scopeFor(app, accountId, params.str('RegionId'));
    await untagResourcesUseCase(app, scope, params.str('ResourceType'), params.list('ResourceId'), params.list('TagKey'), params.bool('All') ?? false);
    return {};
  },
};
