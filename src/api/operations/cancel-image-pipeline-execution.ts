import { scopeFor } from '../../app/app.js';
import { cancelExecution } from '../../app/executions.js';
import { defineOperation } from './operation.js';
import { str } from './spec/build.js';
import { regionId } from './spec/common.js';

export const cancelImagePipelineExecution = defineOperation({
  action: 'CancelImagePipelineExecution',
  summary: 'Cancels a running execution (PREPARING, REPAIRING or BUILDING move to CANCELLING); repeating it is harmless.',
  params: {
    regionId,
    executionId: str('ExecutionId', { required: true }),
  },
  async run({ app, accountId, input }) {
    await cancelExecution(app, scopeFor(app, accountId, input.regionId), input.executionId);
    return {};
  },
});
