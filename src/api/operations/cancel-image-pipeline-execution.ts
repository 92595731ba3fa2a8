import { scopeFor } from '../../app/app.js';
import { cancelExecution } from '../../app/executions.js';
import type { Operation } from './operation.js';

export const cancelImagePipelineExecution: Operation = {
  action: 'CancelImagePipelineExecution',
  async handle({ app, accountId, params }) {
    const scope = scopeFor(app, accountId, params.str('RegionId'));
    await cancelExecution(app, scope, params.required('ExecutionId'));
    return {};
  },
};
