import type { Execution, ImagePipeline } from '../../api/responses';
import { CodeEditor } from '../../components/code-editor';
import type { StepMark } from '../../components/log-view-store';
import { contentLine, errorInfoLine } from './failure';

/**
 * A failed build's ErrorCode and ErrorInfo, and the template's content (read-only) with the
 * failing line marked and the error next to it: TestContent when the failing step ran in
 * TESTING, BuildContent otherwise.
 */
export function FailurePanel(props: { template: ImagePipeline | null | undefined; execution: Execution; step: StepMark | undefined; onJump: (() => void) | undefined }) {
  const e = props.execution;
  const testing = props.step ? props.step.stage === 'TESTING' : e.Status === 'TEST_FAILED';
  const content = testing ? props.template?.TestContent : props.template?.BuildContent;
  const line = contentLine(props.step?.where) ?? errorInfoLine(e.ErrorInfo);
  const message = e.ErrorInfo || e.Message || '';
  return (
    <section class="failure card" aria-labelledby="failure-title">
      <h2 id="failure-title">Why it failed</h2>
      <p class="failure-error" role="alert">
        <strong class="error-code">{e.ErrorCode}</strong> <span class="failure-info">{message}</span>
      </p>
      {props.step ? (
        <p class="hint">
          Failing step: <code>{props.step.where}</code> {props.step.what ? <span>— {props.step.what}</span> : null}{' '}
          {props.onJump ? (
            <button type="button" class="link-button" onClick={props.onJump}>
              Show it in the log
            </button>
          ) : null}
        </p>
      ) : null}
      {content !== undefined ? (
        <CodeEditor
          label={testing ? 'Test content' : 'Build content'}
          value={content}
          readOnly
          rows={Math.min(14, Math.max(4, content.split('\n').length))}
          markers={line !== undefined ? [{ line, code: e.ErrorCode ?? 'Error', message }] : []}
          {...(line !== undefined ? { revealLine: line } : {})}
        />
      ) : props.template === undefined ? (
        <p class="loading">Loading the template…</p>
      ) : props.template === null ? (
        <p class="hint">The template {e.ImagePipelineId} is gone: its content cannot be shown.</p>
      ) : (
        <p class="hint">The template has no {testing ? 'test' : 'build'} content to show.</p>
      )}
    </section>
  );
}
