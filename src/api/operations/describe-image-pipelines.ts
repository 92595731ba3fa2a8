import { scopeFor } from '../../app/app.js';
import { describePipelines } from '../../app/pipelines.js';
import type { Operation } from './operation.js';
import { presentPipeline } from './present-pipeline.js';

export const describeImagePipelines: Operation = {
  action: 'DescribeImagePipelines',
  async handle({ app, accountId, params }) {
    const scope = scopeFor(app, accountId, params.str('RegionId'));
    const q = {
      ids: params.list('ImagePipelineId'),
      tags: params.tags('Tag'),
      ...(params.str('Name') !== undefined ? { name: params.str('Name')! } : {}),
      ...(params.str('ResourceGroupId') !== undefined ? { resourceGroupId: params.str('ResourceGroupId')! } : {}),
      ...(params.str('NextToken') !== undefined ? { nextToken: params.str('NextToken')! } : {}),
      ...(params.int('MaxResults', 'InvalidParameter.MaxResults') !== undefined ? { maxResults: params.int('MaxResults')! } : {}),
    };
    const page = await describePipelines(app, scope, q);
    return {
      TotalCount: page.totalCount,
      MaxResults: page.maxResults,
      NextToken: page.nextToken,
      ImagePipeline: { ImagePipelineSet: page.items.map(presentPipeline) },
    };
  },
};
