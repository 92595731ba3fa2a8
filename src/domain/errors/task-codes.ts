import { DOC, type ErrorTable } from './spec.js';

/** Codes of ECS tasks (DescribeTasks, DescribeTaskAttribute, CancelTask) and of what ends a task (a lost worker). */
export const TASK_CODES = {
  'InvalidTaskId.NotFound': {
    status: 400, fault: 'client', doc: DOC.CANCEL_TASK, meaning: 'The TaskId names no task of the account in the region (DescribeTaskAttribute, CancelTask; documented 400).',
    message: (p: { taskId: string }) => `The specified "TaskId" is not found: ${p.taskId}.`,
  },
  'InvalidTaskId.TaskActionNotSupport': {
    status: 403, fault: 'client', doc: DOC.CANCEL_TASK, meaning: 'CancelTask: the task\'s action cannot be cancelled (a CopyImage task: its copy is done when the task exists).',
    message: (p: { taskId: string; action: string }) => `The specified task action not support: ${p.action} task ${p.taskId} cannot be cancelled.`,
  },
  'InvalidTaskId.IncorrectTaskStatus': {
    status: 403, fault: 'client', doc: DOC.CANCEL_TASK, meaning: 'CancelTask: the task has ended (Finished, Failed or cancelled) and cannot be cancelled.',
    message: (p: { taskId: string; status: string }) => `The specified task status is invalid: task ${p.taskId} is ${p.status}.`,
  },
  TaskWorkerLost: {
    status: 500, fault: 'server', doc: DOC.KILN, meaning: 'A task\'s worker stopped while running it (killed, or cut off longer than its lease); the task ended Failed.',
    message: (p: { action: string; leaseMs: number }) => `The worker running this ${p.action} task was lost (killed, or cut off for more than its ${p.leaseMs} ms lease); the task did not finish. Run the operation again.`,
  },
} as const satisfies ErrorTable;
