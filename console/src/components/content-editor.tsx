import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/errors';
import { type ContentError, type ContentKind, validateContent } from '../api/validate';
import { CodeEditor, type CodeEditorHandle, type EditorMarker } from './code-editor';

/**
 * The code editor with validation as you type: ~300 ms after the last edit the text is sent
 * to `POST /console/api/validate` (the server's own parser and COMPONENT resolution) and the
 * problems it reports are marked on their lines. An edit abandons the check in flight.
 */

const DEBOUNCE_MS = 300;

type Check =
  | { state: 'empty' | 'checking' }
  | { state: 'done'; markers: EditorMarker[] }
  | { state: 'failed'; error: unknown };

/** `line 3: unknown instruction "FORM"` → line 3, message without the prefix the marker already shows. */
export function lineMarker(code: string | undefined, message: string, line?: number | null): EditorMarker {
  const m = /^line (\d+): ([\s\S]*)$/.exec(message);
  const named = m ? Number(m[1]) : null;
  const at = line ?? named;
  const text = m && (line === undefined || line === null || named === line) ? m[2]! : message;
  return { line: at ?? null, message: text, ...(code ? { code } : {}) };
}

function toMarkers(errors: readonly ContentError[]): EditorMarker[] {
  return errors.map((e) => lineMarker(e.Code, e.Message, e.Line));
}

/** Validates `content` as `kind` in `regionId`, debounced; nothing is sent for blank content. */
export function useContentValidation(regionId: string, kind: ContentKind, content: string): Check {
  const [check, setCheck] = useState<Check>({ state: 'empty' });
  useEffect(() => {
    if (content.trim() === '') {
      setCheck({ state: 'empty' });
      return;
    }
    setCheck((c) => (c.state === 'checking' ? c : { state: 'checking' }));
    const ctl = new AbortController();
    const timer = setTimeout(() => {
      validateContent(regionId, kind, content, ctl.signal).then(
        (r) => {
          if (!ctl.signal.aborted) setCheck({ state: 'done', markers: toMarkers(r.Errors ?? []) });
        },
        (error: unknown) => {
          if (!ctl.signal.aborted) setCheck({ state: 'failed', error });
        },
      );
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
  }, [regionId, kind, content]);
  return check;
}

function statusOf(check: Check, count: number): ComponentChildren {
  switch (check.state) {
    case 'empty':
      return '';
    case 'checking':
      return 'Checking…';
    case 'failed':
      return `Not checked (${check.error instanceof ApiError ? check.error.code : 'network error'})`;
    case 'done':
      return count === 0 ? <span class="ce-ok">✓ No problems</span> : <span class="ce-bad">{count === 1 ? '1 problem' : `${count} problems`}</span>;
  }
}

export interface ContentEditorProps {
  kind: ContentKind;
  label: string;
  regionId: string;
  value: string;
  onInput(value: string): void;
  /** Problems the create call itself reported for this field (shown until the next edit). */
  extraMarkers?: readonly EditorMarker[];
  hint?: ComponentChildren;
  rows?: number;
  placeholder?: string;
  id?: string;
  handle?: { current: CodeEditorHandle | null };
}

/** A `CodeEditor` validated as you type (see the module comment). */
export function ContentEditor(props: ContentEditorProps) {
  const check = useContentValidation(props.regionId, props.kind, props.value);
  const checked = check.state === 'done' ? check.markers : [];
  // The create call's own error is usually what the last check already shows: once is enough.
  const extra = (props.extraMarkers ?? []).filter((x) => !checked.some((m) => m.line === x.line && m.code === x.code));
  const markers = [...checked, ...extra];
  return (
    <CodeEditor
      label={props.label}
      value={props.value}
      onInput={props.onInput}
      markers={markers}
      status={statusOf(check, markers.length)}
      hint={props.hint}
      rows={props.rows}
      placeholder={props.placeholder}
      id={props.id}
      handle={props.handle}
    />
  );
}
