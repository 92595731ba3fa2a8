import { scopeFor } from '../../app/app.js';
import { describeExecutions, type ExecutionQuery } from '../../app/executions.js';
import type { Operation } from './operation.js';
import { presentExecution } from './present-execution.js';

export const describeImagePipelineExecutions: Operation = {
  action: 'DescribeImagePipelineExecutions',
  async handle({ app, accountId, params }) {
    const scope = scopeFor(app, accountId, params.str('RegionId'));
    const q: ExecutionQuery = { tags: params.tags('Tag') };
    const strings = { pipelineId: 'ImagePipelineId', executionId: 'ExecutionId', status: 'Status', nextToken: 'NextToken' } as const;
    for (const [key, wire] of Object.entries(strings) as Array<[keyof typeof strings, string]>) {
      const v = params.str(wire);
      if (v !== undefined) q[key] = v;
    }
    const maxResults = params.int('MaxResults', 'InvalidParameter.MaxResults');
    if (maxResults !== undefined) q.maxResults = maxResults;
    const page = await describeExecutions(app, scope, q);
    return {
      TotalCount: page.totalCount,
      MaxResults: page.maxResults,
      NextToken: page.nextToken,
      ImagePipelineExecution: { ImagePipelineExecutionSet: page.items.map(presentExecution) },
    };
  },
};
