import { cancelTask as cancel } from '../../app/tasks.js';
import { defineRegionalOperation } from './operation.js';
import { str } from './spec/build.js';

/** CancelTask: a waiting task ends at once, a running one within about a second; both then show `TaskStatus=Deleted`. */
export const cancelTask = defineRegionalOperation({
  action: 'CancelTask',
  summary: 'Cancels a waiting or running ImportImage or ExportImage task; it then shows `TaskStatus=Deleted`.',
  params: {
    taskId: str('TaskId', { required: true, doc: 'A task of the caller in the region (InvalidTaskId.NotFound) that can be cancelled (InvalidTaskId.TaskActionNotSupport) and has not ended (InvalidTaskId.IncorrectTaskStatus).' }),
  },
  async run({ app, scope, input }) {
    await cancel(app, scope, input.taskId);
    return {};
  },
});
