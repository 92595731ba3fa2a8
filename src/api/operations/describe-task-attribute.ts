import { describeTask } from '../../app/tasks.js';
import { defineRegionalOperation } from './operation.js';
import { presentTaskAttribute } from './present-task.js';
import { str } from './spec/build.js';

/** DescribeTaskAttribute: one task with its progress (`TaskProcess`) and its outcome (`OperationProgressSet`). */
export const describeTaskAttribute = defineRegionalOperation({
  action: 'DescribeTaskAttribute',
  summary: 'One of the caller\'s tasks with its progress (`TaskProcess`), counts and outcome.',
  params: {
    taskId: str('TaskId', { required: true, doc: 'A task of the caller in the region (InvalidTaskId.NotFound).' }),
  },
  async run({ app, scope, input }) {
    return presentTaskAttribute(await describeTask(app, scope, input.taskId));
  },
});
