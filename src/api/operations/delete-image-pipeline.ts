import { scopeFor } from '../../app/app.js';
import { deletePipeline } from '../../app/pipelines.js';
import { defineOperation } from './operation.js';
import { str } from './spec/build.js';
import { regionId } from './spec/common.js';

export const deleteImagePipeline = defineOperation({
  action: 'DeleteImagePipeline',
  summary: 'Deletes a template with its tags and executions; refused while an execution runs.',
  params: {
    regionId,
    imagePipelineId: str('ImagePipelineId', { required: true }),
  },
  async run({ app, accountId, input }) {
    await deletePipeline(app, scopeFor(app, accountId, input.regionId), input.imagePipelineId);
    return {};
  },
});
