import type { Task, TaskJson } from '../../domain/task.js';

/** One task as DescribeTasks writes it (`TaskSet.Task[]`); `FinishedTime` once it ended. */
export function presentTask(t: Task): Record<string, unknown> {
  return {
    TaskId: t.taskId,
    TaskAction: t.action,
    TaskStatus: t.status,
    SupportCancel: String(t.supportCancel),
    CreationTime: t.creationTime,
    FinishedTime: t.finishedTime,
    ResourceId: t.resourceId,
  };
}

/** `Finished` is `Success` (the documented example); the other statuses are written as they are. */
function operationStatus(t: Task): string {
  return t.status === 'Finished' ? 'Success' : t.status;
}

/**
 * The handler's result as `RelatedItem`s (the documented example: `OSSBucket`, `OSSObject`,
 * `ImageFormat` of an export): each top-level text, number or boolean, a list of them joined
 * with "; ". A running task's progress note comes first, as `Progress`.
 */
function relatedItems(t: Task): Array<{ Name: string; Value: string }> {
  const items: Array<{ Name: string; Value: string }> = [];
  if (t.progressNote !== undefined && t.status === 'Processing') items.push({ Name: 'Progress', Value: t.progressNote });
  for (const [name, value] of Object.entries(t.result ?? ({} as TaskJson))) {
    const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
    if (scalar(value)) items.push({ Name: name, Value: String(value) });
    else if (Array.isArray(value) && value.every(scalar)) items.push({ Name: name, Value: value.map(String).join('; ') });
  }
  return items;
}

/** A task as DescribeTaskAttribute writes it: one `OperationProgress` (a Kiln task has one operation). */
export function presentTaskAttribute(t: Task): Record<string, unknown> {
  return {
    TaskId: t.taskId,
    RegionId: t.regionId,
    TaskAction: t.action,
    TaskStatus: t.status,
    TaskProcess: `${t.progress}%`,
    SupportCancel: String(t.supportCancel),
    TotalCount: 1,
    SuccessCount: t.successCount,
    FailedCount: t.failedCount,
    CreationTime: t.creationTime,
    FinishedTime: t.finishedTime,
    OperationProgressSet: {
      OperationProgress: [{
        OperationStatus: operationStatus(t),
        ErrorCode: t.errorCode ?? '',
        ErrorMsg: t.errorMessage ?? '',
        RelatedItemSet: { RelatedItem: relatedItems(t) },
      }],
    },
  };
}
