import { scopeFor } from '../../app/app.js';
import { startExecution } from '../../app/executions.js';
import type { Operation } from './operation.js';

export const startImagePipelineExecution: Operation = {
  action: 'StartImagePipelineExecution',
  async handle({ app, accountId, params }) {
    const scope = scopeFor(app, accountId, params.str('RegionId'));
    // TemplateTag.N is the deprecated name of the execution's tags.
    const tags = [...params.tags('Tag'), ...params.tags('TemplateTag')];
    const { executionId } = await startExecution(app, scope, params.required('ImagePipelineId'), tags, params.str('ClientToken'));
    return { ExecutionId: executionId };
  },
};
