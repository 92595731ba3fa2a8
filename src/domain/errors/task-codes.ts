import type { ErrorTable } from './spec.js';

/** Codes of ECS tasks (DescribeTasks, DescribeTaskAttribute, CancelTask) and of what ends a task (a lost worker). */
export const TASK_CODES = {
} as const satisfies ErrorTable;
