import { scopeFor } from '../../app/app.js';
import { startExecution } from '../../app/executions.js';
import { defineOperation } from './operation.js';
import { str } from './spec/build.js';
import { clientToken, regionId, tags } from './spec/common.js';

export const startImagePipelineExecution = defineOperation({
  action: 'StartImagePipelineExecution',
  summary: 'Queues a build of a template; refused while another execution of it runs.',
  params: {
    regionId,
    imagePipelineId: str('ImagePipelineId', { required: true }),
    tags: tags('Tag'),
    templateTags: tags('TemplateTag', { doc: 'The deprecated name of `Tag.N`: both lists tag the execution.' }),
    clientToken,
  },
  async run({ app, accountId, input }) {
    const scope = scopeFor(app, accountId, input.regionId);
    const { executionId } = await startExecution(app, scope, input.imagePipelineId, [...input.tags, ...input.templateTags], input.clientToken);
    return { ExecutionId: executionId };
  },
});
