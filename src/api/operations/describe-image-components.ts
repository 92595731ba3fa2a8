import { scopeFor } from '../../app/app.js';
import { describeComponents, type ComponentQuery } from '../../app/components.js';
import type { Operation } from './operation.js';
import { presentComponent } from './present-component.js';

export const describeImageComponents: Operation = {
  action: 'DescribeImageComponents',
  async handle({ app, accountId, params }) {
    const scope = scopeFor(app, accountId, params.str('RegionId'));
    const q: ComponentQuery = { ids: params.list('ImageComponentId'), tags: params.tags('Tag') };
    const strings = { name: 'Name', owner: 'Owner', componentType: 'ComponentType', systemType: 'SystemType',
      componentVersion: 'ComponentVersion', resourceGroupId: 'ResourceGroupId', nextToken: 'NextToken' } as const;
    for (const [key, wire] of Object.entries(strings) as Array<[keyof typeof strings, string]>) {
      const v = params.str(wire);
      if (v !== undefined) q[key] = v;
    }
    const maxResults = params.int('MaxResults', 'InvalidParameter.MaxResults');
    if (maxResults !== undefined) q.maxResults = maxResults;
    const page = await describeComponents(app, scope, q);
    return {
      TotalCount: page.totalCount,
      MaxResults: page.maxResults,
      NextToken: page.nextToken,
      ImageComponent: { ImageComponentSet: page.items.map(presentComponent) },
    };
  },
};
