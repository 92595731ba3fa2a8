import type { TaskJson } from '../../domain/task.js';
import { object, recordReader, str } from './record-schema.js';

/**
 * How a task's JSON is stored: `spec` holds, as a versioned record, what the operation handed
 * to the handler (`request`) and what the handler returned (`result`, once it ended). The rest
 * of the task (status, progress, lease, counts, error) lives in columns, because a running task
 * changes them many times and DescribeTasks filters on them; the record is written when the
 * task is inserted and once more when it ends with a result.
 */
export interface TaskSpecV1 {
  v: 1;
  taskId: string;
  request: TaskJson;
  result?: TaskJson;
}

const json = { type: 'object' };

const reader = recordReader<TaskSpecV1>('tasks', 1, 'taskId', object({
  v: { type: 'integer', const: 1 },
  taskId: str,
  request: json,
}, {
  result: json,
}));

/** The `spec` text of a task's record. */
export function taskSpec(taskId: string, request: TaskJson, result?: TaskJson): string {
  const spec: TaskSpecV1 = { v: 1, taskId, request };
  if (result !== undefined) spec.result = result;
  return JSON.stringify(spec);
}

/** A task's record, checked (`StoreRecordError` naming the row when it does not fit). */
export function readTaskSpec(spec: string, id: string): TaskSpecV1 {
  return reader.read(spec, id);
}
