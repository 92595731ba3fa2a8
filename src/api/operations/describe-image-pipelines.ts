import { scopeFor } from '../../app/app.js';
import { describePipelines, type PipelineQuery } from '../../app/pipelines.js';
import type { Operation } from './operation.js';
import { presentPipeline } from './present-pipeline.js';

export const describeImagePipelines: Operation = {
  action: 'DescribeImagePipelines',
  async handle({ app, accountId, params }) {
    const scope = scopeFor(app, accountId, params.str('RegionId'));
    const q: PipelineQuery = { ids: params.list('ImagePipelineId'), tags: params.tags('Tag') };
    const strings = { name: 'Name', resourceGroupId: 'ResourceGroupId', nextToken: 'NextToken' } as const;
    for (const [key, wire] of Object.entries(strings) as Array<[keyof typeof strings, string]>) {
      const v = params.str(wire);
      if (v !== undefined) q[key] = v;
    }
    const maxResults = params.int('MaxResults', 'InvalidParameter.MaxResults');
    if (maxResults !== undefined) q.maxResults = maxResults;
    const page = await describePipelines(app, scope, q);
    return {
      TotalCount: page.totalCount,
      MaxResults: page.maxResults,
      NextToken: page.nextToken,
      ImagePipeline: { ImagePipelineSet: page.items.map(presentPipeline) },
    };
  },
};
