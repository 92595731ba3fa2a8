import type { StageMark } from './log-view-store';
import './stage-timeline.css';
import { formatClock, formatDuration } from './format';

/** The build's stages in order; `optional` ones happen only when the template asks for them. */
const FLOW: ReadonlyArray<{ stage: string; optional: boolean }> = [
  { stage: 'PREPARING', optional: false },
  { stage: 'REPAIRING', optional: true },
  { stage: 'BUILDING', optional: false },
  { stage: 'TESTING', optional: true },
  { stage: 'DISTRIBUTING', optional: true },
  { stage: 'RELEASING', optional: false },
];
export const TERMINAL = new Set(['SUCCESS', 'PARTITION_SUCCESS', 'FAILED', 'TEST_FAILED', 'CANCELLED']);
/** The statuses of a build still under way (auto-refresh while one is shown). */
export function isActive(status: string | undefined): boolean {
  return status !== undefined && !TERMINAL.has(status);
}

export type StageState = 'done' | 'current' | 'failed' | 'cancelled' | 'skipped' | 'pending';
export interface StageRow {
  stage: string;
  optional: boolean;
  state: StageState;
  /** Epoch ms. */
  start?: number;
  end?: number;
  message?: string;
}

function ms(time: string | undefined): number | undefined {
  const t = time ? Date.parse(time) : Number.NaN;
  return Number.isNaN(t) ? undefined : t;
}

/**
 * The timeline of a build from its status and times and the log's `[STAGE] message` lines: each
 * stage begins at its line's time and ends when the next one begins; the last one runs until
 * the build ended (ModifiedTime) or now. PREPARING begins when the build was queued.
 */
export function deriveStages(e: { Status: string; CreationTime: string; ModifiedTime: string }, marks: readonly StageMark[], now: number): StageRow[] {
  const first = new Map<string, StageMark>();
  for (const m of marks) if (!first.has(m.stage)) first.set(m.stage, m);
  const reached = (s: string) => first.has(s) || s === e.Status || s === 'PREPARING';
  const lastIndex = FLOW.reduce((n, f, i) => (reached(f.stage) ? i : n), 0);
  const terminal = TERMINAL.has(e.Status) || e.Status === 'CANCELLING';
  const endOfBuild = TERMINAL.has(e.Status) ? (ms(e.ModifiedTime) ?? now) : now;
  const rows: StageRow[] = FLOW.map((f, i) => {
    const mark = first.get(f.stage);
    const start = f.stage === 'PREPARING' ? ms(e.CreationTime) : ms(mark?.time);
    const base = { stage: f.stage, optional: f.optional, ...(mark ? { message: mark.message } : {}) };
    if (!reached(f.stage)) return { ...base, state: i < lastIndex || terminal ? 'skipped' : 'pending' };
    if (i < lastIndex) return { ...base, state: 'done', ...(start !== undefined ? { start } : {}) };
    let state: StageState = 'current';
    if (e.Status === 'SUCCESS' || e.Status === 'PARTITION_SUCCESS') state = 'done';
    else if (e.Status === 'FAILED' || e.Status === 'TEST_FAILED') state = 'failed';
    else if (e.Status === 'CANCELLED' || e.Status === 'CANCELLING') state = 'cancelled';
    return { ...base, state, ...(start !== undefined ? { start, end: endOfBuild } : {}) };
  });
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r.state !== 'done' || r.end !== undefined) continue;
    const next = rows.slice(i + 1).find((n) => n.start !== undefined);
    if (next?.start !== undefined) r.end = next.start;
    else if (TERMINAL.has(e.Status)) r.end = endOfBuild;
  }
  return rows;
}

const STATE_TEXT: Record<StageState, string> = {
  done: 'done', current: 'running', failed: 'failed', cancelled: 'cancelled', skipped: 'skipped', pending: 'not started',
};

/**
 * PREPARING → (REPAIRING) → BUILDING → (TESTING) → (DISTRIBUTING) → RELEASING → the outcome,
 * each stage with its start and duration; the running one is `aria-current="step"`.
 */
export function StageTimeline(props: { execution: { Status: string; CreationTime: string; ModifiedTime: string }; marks: readonly StageMark[]; now: number }) {
  const e = props.execution;
  const rows = deriveStages(e, props.marks, props.now);
  const ended = TERMINAL.has(e.Status);
  const total = (ended ? (ms(e.ModifiedTime) ?? props.now) : props.now) - (ms(e.CreationTime) ?? props.now);
  return (
    <ol class="stage-timeline" aria-label="Stages">
      {rows.map((r) => (
        <li key={r.stage} class={`stage stage-${r.state}${r.optional ? ' stage-optional' : ''}`} aria-current={r.state === 'current' ? 'step' : undefined} title={r.message}>
          <span class="stage-dot" aria-hidden="true" />
          <span class="stage-name">{r.stage}</span>
          <span class="stage-state">{r.optional && r.state === 'pending' ? 'if needed' : STATE_TEXT[r.state]}</span>
          {r.start !== undefined ? (
            <span class="stage-time">
              <time dateTime={new Date(r.start).toISOString()}>{formatClock(r.start)}</time> · {formatDuration((r.end ?? props.now) - r.start)}
            </span>
          ) : null}
        </li>
      ))}
      <li class={`stage stage-outcome ${ended ? `stage-${e.Status === 'SUCCESS' || e.Status === 'PARTITION_SUCCESS' ? 'done' : e.Status === 'CANCELLED' ? 'cancelled' : 'failed'}` : 'stage-pending'}`}>
        <span class="stage-dot" aria-hidden="true" />
        <span class="stage-name">{ended ? e.Status : 'SUCCESS / FAILED'}</span>
        <span class="stage-state">{ended ? 'ended' : 'not yet'}</span>
        <span class="stage-time">total {formatDuration(total)}</span>
      </li>
    </ol>
  );
}
