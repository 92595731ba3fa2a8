import { useEffect, useMemo, useState } from 'preact/hooks';
import { call } from '../../api/client';
import type { Execution } from '../../api/responses';
import { ErrorBanner, useAsync } from '../../components/async';
import { ConfirmButton } from '../../components/confirm-button';
import { Link } from '../../components/link';
import type { ScrollTarget } from '../../components/log-view';
import { LogPanel } from '../../components/log-view-toolbar';
import { isActive, StageTimeline } from '../../components/stage-timeline';
import { StatusBadge } from '../../components/status-badge';
import { useRegion } from '../../region';
import { FailurePanel } from './failure-panel';
import { failingStep } from './failure';
import { durationOf } from './list-page';
import { StepsList } from './steps-list';
import { useBuildLog } from './use-build-log';
import './builds.css';
import { formatTime } from '../../components/format';

const REFRESH_MS = 2000;
const CANCELLABLE = new Set(['PREPARING', 'REPAIRING', 'BUILDING']);
/** Outcomes that leave an image (a TEST_FAILED build's image exists: its test failed). */
const IMAGE_MADE = new Set(['SUCCESS', 'PARTITION_SUCCESS', 'TEST_FAILED']);

/** The build: its stages, its live log, its failure next to the template line, cancel. */
export function BuildPage(props: { id: string }) {
  const region = useRegion();
  // Asked before the log is opened (effects run in the order of their hooks): the build's facts
  // are small, the log may be 100 MB.
  const loaded = useAsync(async (signal) => {
    const r = await call('DescribeImagePipelineExecutions', { RegionId: region, ExecutionId: props.id }, signal);
    return r.ImagePipelineExecution.ImagePipelineExecutionSet[0];
  }, [region, props.id]);
  const log = useBuildLog(props.id);
  const fromList = loaded.value;
  const pipelineId = fromList?.ImagePipelineId;
  // The template: its name here, its content next to a failure (null: deleted since).
  const template = useAsync(async (signal) => {
    if (!pipelineId) return undefined;
    const r = await call('DescribeImagePipelines', { RegionId: region, 'ImagePipelineId.1': pipelineId }, signal);
    return r.ImagePipeline.ImagePipelineSet[0] ?? null;
  }, [region, pipelineId]);
  // The stream's end line is newer than the last poll: it wins for the outcome.
  const e: Execution | undefined = fromList && log.end?.status
    ? { ...fromList, Status: log.end.status, ...(log.end.errorCode ? { ErrorCode: log.end.errorCode } : {}), ...(log.end.errorInfo ? { ErrorInfo: log.end.errorInfo } : {}), ...(log.end.imageId ? { ImageId: log.end.imageId } : {}), ...(log.end.message ? { Message: log.end.message } : {}) }
    : fromList;
  const active = isActive(e?.Status) && !log.end;
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const tick = setInterval(() => setNow(Date.now()), 1000);
    const poll = setInterval(loaded.reload, REFRESH_MS);
    return () => {
      clearInterval(tick);
      clearInterval(poll);
    };
  }, [active, loaded.reload]);
  useEffect(() => {
    // The stream ended: read the final times (ModifiedTime) once.
    if (log.end) loaded.reload();
  }, [log.end]);

  const store = log.store;
  const failed = e?.ErrorCode !== undefined && e.ErrorCode !== '';
  const failing = useMemo(() => (failed ? failingStep(store.steps, e?.ErrorInfo) : undefined), [failed, e?.ErrorInfo, log.version]);
  const [jump, setJump] = useState<ScrollTarget | undefined>();

  if (loaded.error && !fromList) return <ErrorBanner error={loaded.error} />;
  if (!e && !loaded.loading) return <ErrorBanner error={new Error(`No build ${props.id} in ${region}.`)} />;

  const failingLine = failing?.line ?? (failed && store.lineCount > 0 ? store.lineCount - 1 : undefined);
  return (
    <section class="build-page">
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link to="/builds">Builds</Link> / <span class="mono">{props.id}</span>
      </nav>
      <div class="head-row">
        <h1>
          Build <span class="mono">{props.id}</span>
        </h1>
        {e ? <StatusBadge status={e.Status} /> : null}
        <span class="spacer" />
        {e?.ImageId && IMAGE_MADE.has(e.Status) ? (
          <Link to={`/images/${encodeURIComponent(e.ImageId)}`} class="button primary">
            Open image {e.ImageId}
          </Link>
        ) : null}
        {e && CANCELLABLE.has(e.Status) ? (
          <ConfirmButton label="Cancel build" title={`Cancel build ${e.ExecutionId}?`} action={async () => {
            await call('CancelImagePipelineExecution', { RegionId: region, ExecutionId: e.ExecutionId });
            loaded.reload();
          }}>
            <p>The build stops, its intermediate instance and files are released, and it ends as CANCELLED.</p>
          </ConfirmButton>
        ) : null}
      </div>
      {/* The heading and the log do not wait for the build's facts. */}
      {e ? (
        <>
          <dl class="facts">
            <div>
              <dt>Template</dt>
              <dd>
                <Link to={`/templates/${encodeURIComponent(e.ImagePipelineId)}`}>{template.value?.Name ?? e.ImagePipelineId}</Link>
              </dd>
            </div>
            <div>
              <dt>Started</dt>
              <dd>
                <time dateTime={e.CreationTime}>{formatTime(e.CreationTime)}</time>
              </dd>
            </div>
            <div>
              <dt>Duration</dt>
              <dd>{durationOf(e, now)}</dd>
            </div>
            <div class="facts-wide">
              <dt>Message</dt>
              <dd aria-live="polite">{e.Message || '—'}</dd>
            </div>
          </dl>
          <StageTimeline execution={e} marks={store.stages} now={now} />
          {failed ? <FailurePanel template={template.error ? null : template.value} execution={e} step={failing} onJump={failingLine !== undefined ? () => setJump({ line: failingLine }) : undefined} /> : null}
        </>
      ) : (
        <p class="loading">Loading…</p>
      )}
      {log.error ? <ErrorBanner error={log.error} /> : null}
      {log.interrupted ? <p class="stream-note" role="status">{log.interrupted}</p> : null}
      <div class="build-body">
        <StepsList steps={store.steps} failing={failing} onSelect={(line) => setJump({ line })} />
        <LogPanel store={store} live={!log.end && !log.error} {...(failed && failingLine !== undefined ? { failingLine, errorNote: `← ${e?.ErrorCode}: ${e?.ErrorInfo ?? ''}` } : {})} {...(jump ? { jumpTo: jump } : {})} />
      </div>
    </section>
  );
}
