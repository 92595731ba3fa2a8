import { counted } from '../../components/count';
import type { StepMark } from '../../components/log-view-store';
import { formatClock } from '../../components/format';

/**
 * The steps the log shows (`--> line N: …`), in order, each a button that brings its line into
 * view; steps reused from the step cache say so, the failing one is marked.
 */
export function StepsList(props: { steps: readonly StepMark[]; failing: StepMark | undefined; onSelect(line: number): void }) {
  const cached = props.steps.filter((s) => s.cached).length;
  return (
    <section class="steps" aria-labelledby="steps-title">
      <h2 id="steps-title">
        Steps <small class="hint">{props.steps.length === 0 ? 'none yet' : `${counted(props.steps.length, 'step')} · ${cached.toLocaleString('en-US')} from the cache`}</small>
      </h2>
      <ol class="steps-list">
        {props.steps.map((s) => {
          const failing = s === props.failing;
          return (
            <li key={s.line} class={`step${s.cached ? ' step-cached' : ''}${failing ? ' step-failing' : ''}`}>
              <button type="button" class="step-button" onClick={() => props.onSelect(s.line)} title={`${s.where}: ${s.what}`}>
                <span class="step-where mono">{s.where}</span>
                <span class="step-what">{s.what}</span>
                <span class="step-meta">
                  {s.stage === 'TESTING' ? <span class="step-tag">test</span> : null}
                  {s.cached ? <span class="step-tag step-tag-cached">cached</span> : null}
                  {failing ? <span class="step-tag step-tag-failed">failed</span> : null}
                  <time>{formatClock(Date.parse(s.time))}</time>
                </span>
              </button>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
