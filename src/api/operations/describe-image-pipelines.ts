import { describePipelines, MAX_PIPELINE_IDS } from '../../app/pipelines.js';
import { defineRegionalOperation } from './operation.js';
import { presentPipeline } from './present-pipeline.js';
import { list, str, violation } from './spec/build.js';
import { maxResults, nextToken, tags } from './spec/common.js';

export const describeImagePipelines = defineRegionalOperation({
  action: 'DescribeImagePipelines',
  summary: 'The caller\'s templates, keyset-paged, filtered by ids, name, resource group and tags.',
  params: {
    ids: list('ImagePipelineId', str('ImagePipelineId'), {
      maxItems: {
        max: MAX_PIPELINE_IDS,
        violation: violation('InvalidImagePipelineIdSize.ExceededMaxNumber', (c) => `At most ${MAX_PIPELINE_IDS} ImagePipelineId values can be specified; got ${c.value}.`),
      },
    }),
    name: str('Name', { doc: 'Follows the name rule (InvalidName.Malformed).' }),
    resourceGroupId: str('ResourceGroupId'),
    tags: tags('Tag'),
    maxResults,
    nextToken,
  },
  async run({ app, scope, input: { ...query } }) {
    const page = await describePipelines(app, scope, query);
    return {
      TotalCount: page.totalCount,
      MaxResults: page.maxResults,
      NextToken: page.nextToken,
      ImagePipeline: { ImagePipelineSet: page.items.map(presentPipeline) },
    };
  },
});
