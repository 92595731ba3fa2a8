import { describeExecutions } from '../../app/executions.js';
import { defineRegionalOperation } from './operation.js';
import { presentExecution } from './present-execution.js';
import { str } from './spec/build.js';
import { maxResults, nextToken, tags } from './spec/common.js';

export const describeImagePipelineExecutions = defineRegionalOperation({
  action: 'DescribeImagePipelineExecutions',
  summary: 'Executions of a template or by ids (one of ImagePipelineId and ExecutionId is required), keyset-paged.',
  params: {
    pipelineId: str('ImagePipelineId', { doc: 'Required unless ExecutionId is given (MissingParameter.ImagePipelineId).' }),
    executionId: str('ExecutionId', { doc: 'Comma-separated execution ids, at most 20 (InvalidExecutionId.SizeExceeded).' }),
    status: str('Status', { doc: 'Comma-separated statuses to match.' }),
    tags: tags('Tag'),
    maxResults,
    nextToken,
  },
  async run({ app, scope, input: { ...query } }) {
    const page = await describeExecutions(app, scope, query);
    return {
      TotalCount: page.totalCount,
      MaxResults: page.maxResults,
      NextToken: page.nextToken,
      ImagePipelineExecution: { ImagePipelineExecutionSet: page.items.map(presentExecution) },
    };
  },
});
