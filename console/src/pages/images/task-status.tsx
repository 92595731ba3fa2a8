import { useEffect, useState } from 'preact/hooks';
import { call } from '../../api/client';
import { ErrorBanner, useAsync } from '../../components/async';
import { StatusBadge } from '../../components/status-badge';

const POLL_MS = 2000;

/** A task (CopyImage, ExportImage) as DescribeTaskAttribute tells it, followed while it runs; cancel while it may be. */
export function TaskStatus(props: { taskId: string; region: string }) {
  const task = useAsync((signal) => call('DescribeTaskAttribute', { RegionId: props.region, TaskId: props.taskId }, signal), [props.taskId, props.region]);
  const t = task.value;
  const running = t !== undefined && (t.TaskStatus === 'Processing' || t.TaskStatus === 'Waiting');
  const [cancelError, setCancelError] = useState<unknown>();
  useEffect(() => {
    if (!running) return;
    const i = setInterval(task.reload, POLL_MS);
    return () => clearInterval(i);
  }, [running, task.reload]);
  const op = t?.OperationProgressSet.OperationProgress[0];
  const percent = Number.parseInt(t?.TaskProcess ?? '0', 10) || 0;
  return (
    <div class="task-status" aria-live="polite">
      <p>
        Task <span class="mono">{props.taskId}</span> {t ? <StatusBadge status={t.TaskStatus} /> : null}
        {t?.TaskAction ? <small class="hint"> {t.TaskAction}</small> : null}
      </p>
      {task.error ? <ErrorBanner error={task.error} /> : null}
      {t ? <progress max={100} value={percent} aria-label={`${t.TaskAction} progress`}>{t.TaskProcess}</progress> : null}
      {op?.ErrorCode ? (
        <p class="error-banner">
          <strong class="error-code">{op.ErrorCode}</strong> {op.ErrorMsg}
        </p>
      ) : null}
      {op && op.RelatedItemSet.RelatedItem.length > 0 ? (
        <dl class="attrs task-items">
          {op.RelatedItemSet.RelatedItem.map((r) => (
            <div key={r.Name} class="task-item">
              <dt>{r.Name}</dt>
              <dd class="wrap">{r.Value}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {running && t?.SupportCancel === 'true' ? (
        <button
          type="button"
          onClick={async () => {
            setCancelError(undefined);
            try {
              await call('CancelTask', { RegionId: props.region, TaskId: props.taskId });
              task.reload();
            } catch (err) {
              setCancelError(err);
            }
          }}
        >
          Cancel task
        </button>
      ) : null}
      {cancelError ? <ErrorBanner error={cancelError} /> : null}
    </div>
  );
}
