import { cancelExecution } from '../../app/executions.js';
import { defineRegionalOperation } from './operation.js';
import { str } from './spec/build.js';

export const cancelImagePipelineExecution = defineRegionalOperation({
  action: 'CancelImagePipelineExecution',
  summary: 'Cancels a running execution (PREPARING, REPAIRING or BUILDING move to CANCELLING); repeating it is harmless.',
  params: {
    executionId: str('ExecutionId', { required: true }),
  },
  async run({ app, scope, input }) {
    await cancelExecution(app, scope, input.executionId);
    return {};
  },
});
