import { deletePipeline } from '../../app/pipelines.js';
import { defineRegionalOperation } from './operation.js';
import { str } from './spec/build.js';

export const deleteImagePipeline = defineRegionalOperation({
  action: 'DeleteImagePipeline',
  summary: 'Deletes a template with its tags and executions; refused while an execution runs.',
  params: {
    imagePipelineId: str('ImagePipelineId', { required: true }),
  },
  async run({ app, scope, input }) {
    await deletePipeline(app, scope, input.imagePipelineId);
    return {};
  },
});
