import { scopeFor } from '../../app/app.js';
import { describePipelines, MAX_PIPELINE_IDS } from '../../app/pipelines.js';
import { defineOperation } from './operation.js';
import { presentPipeline } from './present-pipeline.js';
import { list, str, violation } from './spec/build.js';
import { maxResults, nextToken, regionId, tags } from './spec/common.js';

export const describeImagePipelines = defineOperation({
  action: 'DescribeImagePipelines',
  summary: 'The caller\'s templates, keyset-paged, filtered by ids, name, resource group and tags.',
  params: {
    regionId,
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
  async run({ app, accountId, input: { regionId, ...query } }) {
    const page = await describePipelines(app, scopeFor(app, accountId, regionId), query);
    return {
      TotalCount: page.totalCount,
      MaxResults: page.maxResults,
      NextToken: page.nextToken,
      ImagePipeline: { ImagePipelineSet: page.items.map(presentPipeline) },
    };
  },
});
