import { startExecution } from '../../app/executions.js';
import { defineRegionalOperation } from './operation.js';
import { str } from './spec/build.js';
import { clientToken, tags } from './spec/common.js';

export const startImagePipelineExecution = defineRegionalOperation({
  action: 'StartImagePipelineExecution',
  summary: 'Queues a build of a template; refused while another execution of it runs.',
  params: {
    imagePipelineId: str('ImagePipelineId', { required: true }),
    tags: tags('Tag'),
    templateTags: tags('TemplateTag', { doc: 'The deprecated name of `Tag.N`: both lists tag the execution.' }),
    clientToken,
  },
  async run({ app, scope, input }) {
    const { executionId } = await startExecution(app, scope, input.imagePipelineId, [...input.tags, ...input.templateTags], input.clientToken);
    return { ExecutionId: executionId };
  },
});
