import type { ComponentChildren } from 'preact';
import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { handleTab, INDENT, lineAt, lineWidths, moveCaretToLine, revealLine } from './code-editor-text';
import './code-editor.css';

/**
 * The console's code editor (build content, test content, component content): a plain
 * <textarea> (native editing, undo, IME, screen readers) with a line-number gutter kept in
 * sync with its scroll, and error markers: an errored line's gutter cell carries
 * `data-error-line="N"` and a visible mark, its message is shown at the end of that line, and
 * every message is listed below the box with a button that moves the caret to its line.
 *
 * Read-only mode keeps the markers (a failed build's ErrorInfo shown next to its line):
 *
 *     <CodeEditor label="Build content" value={text} readOnly
 *       markers={[{ line: 3, message: 'exit status 1' }]} revealLine={3} />
 *
 * Lines never wrap (one text line is one row, so the gutter and markers line up); long lines
 * scroll sideways.
 */

/** A problem to show: on its line (1-based), or in the list only when `line` is null. */
export interface EditorMarker {
  line: number | null;
  message: string;
  /** An error code shown before the message (`InvalidParameter.BuildContent`). */
  code?: string;
}

/** What a parent can do to an editable editor (through the `handle` prop). */
export interface CodeEditorHandle {
  /** Inserts `text` as a line of its own after the caret's line (at the end if never focused). */
  insertLine(text: string): void;
  /** Moves the caret to the start of `line` and focuses the box. */
  goToLine(line: number): void;
}

export interface CodeEditorProps {
  /** The visible label of the textarea (its accessible name): "Build content", "Content"… */
  label: string;
  value: string;
  /** Called with the whole new text on every edit (omit with `readOnly`). */
  onInput?(value: string): void;
  readOnly?: boolean;
  markers?: readonly EditorMarker[];
  /** Help under the label. */
  hint?: ComponentChildren;
  /** Shown at the end of the label row, announced politely ("Checking…", "No problems"). */
  status?: ComponentChildren;
  /** Visible rows before scrolling (default 14); the box can be resized taller. */
  rows?: number;
  /** Scrolls this line into view when it changes (without taking the focus). */
  revealLine?: number;
  placeholder?: string;
  /** The textarea's id (default: generated); useful for `<a href="#id">` from an error banner. */
  id?: string;
  handle?: { current: CodeEditorHandle | null };
}

/** Must match `.code-editor` in code-editor.css (13px font, 20px lines, 8px padding). */
const LINE_HEIGHT = 20;
const PAD = 8;
/** A message never starts closer than this to the box's right edge (it then covers the line's end). */
const MIN_MESSAGE_WIDTH = 170;

function byLine(markers: readonly EditorMarker[]): Map<number, EditorMarker[]> {
  const out = new Map<number, EditorMarker[]>();
  for (const m of markers) {
    if (m.line === null || !(m.line >= 1)) continue;
    const list = out.get(m.line) ?? [];
    list.push(m);
    out.set(m.line, list);
  }
  return out;
}

function describe(ms: readonly EditorMarker[]): string {
  return ms.map((m) => (m.code ? `${m.code}: ${m.message}` : m.message)).join(' · ');
}

export function CodeEditor(props: CodeEditorProps) {
  const generated = useId();
  const id = props.id ?? `ce-${generated}`;
  const taRef = useRef<HTMLTextAreaElement>(null);
  const [scroll, setScroll] = useState({ top: 0, left: 0 });
  // The box's inner width and a character's width, to put each message after its line's end.
  const [metrics, setMetrics] = useState({ width: 0, char: 0 });
  const measure = useRef<HTMLSpanElement>(null);
  const [caretLine, setCaretLine] = useState<number>();
  const focused = useRef(false);
  const escaped = useRef(false);
  const markers = props.markers ?? [];
  const lines = useMemo(() => byLine(markers), [markers]);
  const widths = useMemo(() => lineWidths(props.value), [props.value]);
  const lineCount = widths.length;
  const rows = props.rows ?? 14;

  const handle: CodeEditorHandle = {
    insertLine(text) {
      const ta = taRef.current;
      if (!ta || props.readOnly) return;
      const v = ta.value;
      const at = focused.current ? ta.selectionEnd : v.length;
      const eol = v.indexOf('\n', at);
      const end = eol < 0 ? v.length : eol;
      const lineText = v.slice(v.lastIndexOf('\n', end - 1) + 1, end);
      ta.focus();
      ta.setSelectionRange(end, end);
      const piece = lineText.trim() === '' && end === v.length ? text : `\n${text}`;
      const ok = typeof document.execCommand === 'function' && document.execCommand('insertText', false, piece);
      if (!ok) {
        ta.setRangeText(piece, end, end, 'end');
        ta.dispatchEvent(new Event('input', { bubbles: true }));
      }
      revealLine(ta, lineAt(ta.value, ta.selectionStart), LINE_HEIGHT);
    },
    goToLine(line) {
      if (taRef.current) moveCaretToLine(taRef.current, line, LINE_HEIGHT);
    },
  };
  if (props.handle) props.handle.current = handle;

  useLayoutEffect(() => {
    const ta = taRef.current;
    if (ta && props.revealLine) revealLine(ta, props.revealLine, LINE_HEIGHT);
  }, [props.revealLine]);
  useEffect(() => () => {
    if (props.handle) props.handle.current = null;
  }, []);
  useEffect(() => {
    const ta = taRef.current;
    if (!ta || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => setMetrics({ width: ta.clientWidth, char: (measure.current?.getBoundingClientRect().width ?? 0) / 10 }));
    ro.observe(ta);
    return () => ro.disconnect();
  }, []);
  const trackCaret = (ta: HTMLTextAreaElement) => setCaretLine(lineAt(ta.value, ta.selectionStart));
  /** Where line `n`'s message starts, and whether it covers text there (then it hides while the caret is on that line). */
  const place = (n: number): { left: string; covers: boolean } => {
    const cols = (widths[n - 1] ?? 0) + 3;
    if (!metrics.char) return { left: `clamp(${PAD}px, calc(${cols}ch + ${PAD - scroll.left}px), calc(100% - 14rem))`, covers: false };
    const natural = PAD + cols * metrics.char - scroll.left;
    const max = Math.max(PAD, metrics.width - MIN_MESSAGE_WIDTH);
    return { left: `${Math.max(PAD, Math.min(natural, max))}px`, covers: natural > max };
  };

  const listId = `${id}-problems`;
  const hintId = `${id}-hint`;
  const listed = markers.length > 0;
  const describedBy = [props.hint ? hintId : '', listed ? listId : ''].filter(Boolean).join(' ') || undefined;

  return (
    <div class={`code-editor${props.readOnly ? ' ce-readonly' : ''}${listed ? ' ce-has-problems' : ''}`}>
      <div class="ce-head">
        <label for={id} class="ce-label">
          {props.label}
        </label>
        {props.status !== undefined ? (
          <span class="ce-status" aria-live="polite">
            {props.status}
          </span>
        ) : null}
      </div>
      {props.hint ? (
        <small id={hintId} class="hint ce-hint">
          {props.hint}
        </small>
      ) : null}
      <div class="ce-frame" style={{ height: `${rows * LINE_HEIGHT + 2 * PAD + 2}px` }}>
        <div class="ce-gutter" aria-hidden="true">
          <div class="ce-gutter-lines" style={{ transform: `translateY(${-scroll.top}px)` }}>
            {widths.map((_, i) => {
              const n = i + 1;
              const ms = lines.get(n);
              return ms ? (
                <div key={n} class="ce-ln ce-ln-error" data-error-line={n} title={describe(ms)}>
                  <span class="ce-mark">!</span>
                  {n}
                </div>
              ) : (
                <div key={n} class="ce-ln">
                  {n}
                </div>
              );
            })}
          </div>
        </div>
        <div class="ce-body">
          <div class="ce-overlay" aria-hidden="true" style={{ transform: `translateY(${-scroll.top}px)` }}>
            <span class="ce-measure" ref={measure}>
              0000000000
            </span>
            {[...lines].filter(([n]) => n <= lineCount).map(([n, ms]) => {
              const at = place(n);
              return (
                <div key={n} class="ce-line-bg" style={{ top: `${PAD + (n - 1) * LINE_HEIGHT}px` }}>
                  {at.covers && caretLine === n ? null : (
                    <span class={`ce-inline-msg${at.covers ? ' ce-covers' : ''}`} data-line={n} title={describe(ms)} style={{ left: at.left }}>
                      {ms.map((m) => m.message).join(' · ')}
                    </span>
                  )}
                </div>
              );
            })}
          </div>
          <textarea
            id={id}
            ref={taRef}
            class="ce-textarea"
            value={props.value}
            readOnly={props.readOnly}
            placeholder={props.placeholder}
            spellcheck={false}
            autocomplete="off"
            autocapitalize="off"
            wrap="off"
            aria-invalid={listed && !props.readOnly ? true : undefined}
            aria-describedby={describedBy}
            onInput={(e) => props.onInput?.(e.currentTarget.value)}
            onFocus={(e) => {
              focused.current = true;
              trackCaret(e.currentTarget);
            }}
            onBlur={() => setCaretLine(undefined)}
            onSelect={(e) => trackCaret(e.currentTarget)}
            onKeyUp={(e) => trackCaret(e.currentTarget)}
            onClick={(e) => trackCaret(e.currentTarget)}
            onScroll={(e) => setScroll({ top: e.currentTarget.scrollTop, left: e.currentTarget.scrollLeft })}
            onKeyDown={(e) => {
              if (props.readOnly) return;
              if (e.key === 'Escape') {
                escaped.current = true;
                return;
              }
              const leave = escaped.current;
              escaped.current = false;
              if (e.key !== 'Tab' || leave || e.ctrlKey || e.altKey || e.metaKey) return;
              if (handleTab(e.currentTarget, e.shiftKey)) e.preventDefault();
            }}
          />
        </div>
      </div>
      {!props.readOnly ? (
        <small class="hint ce-keys">
          Tab indents ({INDENT.length} spaces), Shift+Tab un-indents; press Esc then Tab to leave the box.
        </small>
      ) : null}
      {listed ? (
        <ul id={listId} class="ce-problems" aria-label="Problems">
          {markers.map((m, i) => (
            <li key={`${m.line}-${i}`}>
              {m.line !== null && m.line >= 1 ? (
                <button
                  type="button"
                  class="ce-goto"
                  aria-label={`Go to line ${m.line}`}
                  onClick={() => taRef.current && moveCaretToLine(taRef.current, Math.min(m.line!, lineCount), LINE_HEIGHT)}
                >
                  Line {m.line}
                </button>
              ) : (
                <span class="ce-goto ce-noline">—</span>
              )}
              {m.code ? <code class="ce-code">{m.code}</code> : null}
              <span class="ce-msg">{m.message}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

