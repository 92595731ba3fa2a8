import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { LogStore } from './log-view-store';
import './log-view.css';

/** Every line is this tall (px; `.log-line` in log-view.css says the same). */
export const LINE_HEIGHT = 18;
/** Browsers cap an element's height (~33M px in Chromium): past this the scroll range is scaled. */
const MAX_SPACER = 8_000_000;
/** Characters of one line put in the DOM (the store cuts lines at 8 KiB already). */
const SHOWN_CHARS = 4000;
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** What a line looks like on a terminal: colour escapes dropped, a carriage return's overwrite applied. */
function displayText(raw: string): string {
  let t = raw.includes('\x1b') ? raw.replace(ANSI, '') : raw;
  const cr = t.lastIndexOf('\r', t.length - 2);
  if (cr !== -1) t = t.slice(cr + 1);
  if (t.endsWith('\r')) t = t.slice(0, -1);
  return t.length > SHOWN_CHARS ? `${t.slice(0, SHOWN_CHARS)}…` : t;
}

function highlighted(text: string, query: string): ComponentChildren {
  if (!query) return text;
  const lower = text.toLowerCase();
  const q = query.toLowerCase();
  const parts: ComponentChildren[] = [];
  let from = 0;
  let at = lower.indexOf(q);
  while (at !== -1) {
    parts.push(text.slice(from, at), <mark key={at}>{text.slice(at, at + q.length)}</mark>);
    from = at + q.length;
    at = lower.indexOf(q, from);
  }
  parts.push(text.slice(from));
  return parts;
}

/** A request to bring a line into view; a new object each time (the same line can be asked twice). */
export interface ScrollTarget {
  line: number;
}

export interface LogViewProps {
  store: LogStore;
  /** Keep the last line in view as lines arrive. */
  follow: boolean;
  onFollowChange(follow: boolean): void;
  /** Text to mark in the shown lines (the search). */
  query?: string;
  /** The current match or jump target: marked and brought into view when it changes. */
  target?: ScrollTarget;
  /** The failing step's line, marked. */
  errorLine?: number;
  /** Shown after the failing step's line (ErrorCode: ErrorInfo). */
  errorNote?: string;
  label?: string;
}

/**
 * A virtualized log: one spacer as tall as every line (fixed height), and in the DOM only the
 * lines of the visible window, re-rendered at most once per animation frame (on scroll, on new
 * output). Focusable; PageUp/PageDown/Home/End/arrows scroll it. Scrolling up stops following;
 * reaching the end again (End, or scrolling down) resumes it.
 */
export function LogView(props: LogViewProps) {
  const { store } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [, setFrame] = useState(0);
  const raf = useRef(0);
  const height = useRef(400);
  const followRef = useRef(props.follow);
  followRef.current = props.follow;

  const redraw = () => {
    if (raf.current) return;
    raf.current = requestAnimationFrame(() => {
      raf.current = 0;
      setFrame((f) => f + 1);
    });
  };
  useEffect(() => {
    const off = store.subscribe(redraw);
    const el = scroller.current!;
    const ro = new ResizeObserver(() => {
      height.current = el.clientHeight;
      redraw();
    });
    ro.observe(el);
    return () => {
      off();
      ro.disconnect();
      cancelAnimationFrame(raf.current);
      raf.current = 0;
    };
  }, [store]);

  const geometry = () => {
    const el = scroller.current;
    const vh = el?.clientHeight || height.current;
    const full = store.lineCount * LINE_HEIGHT;
    const spacer = Math.min(full, MAX_SPACER);
    const maxScroll = Math.max(0, spacer - vh);
    const fullMax = Math.max(0, full - vh);
    return { vh, full, spacer, maxScroll, fullMax, scrollTop: el?.scrollTop ?? 0 };
  };
  const scrollToLine = (line: number, align: 'top' | 'center') => {
    const el = scroller.current;
    if (!el) return;
    const g = geometry();
    const virtual = Math.max(0, Math.min(g.fullMax, line * LINE_HEIGHT - (align === 'center' ? g.vh / 2 - LINE_HEIGHT : 0)));
    el.scrollTop = g.fullMax > 0 ? (virtual / g.fullMax) * g.maxScroll : 0;
  };

  useLayoutEffect(() => {
    if (props.follow && scroller.current) scroller.current.scrollTop = scroller.current.scrollHeight;
  });
  useEffect(() => {
    if (props.target) {
      if (followRef.current) props.onFollowChange(false);
      scrollToLine(props.target.line, 'center');
      // The log may be below the fold (a jump from the failure panel or the steps list).
      scroller.current?.scrollIntoView({ block: 'nearest' });
    }
  }, [props.target]);

  const g = geometry();
  const virtualTop = g.maxScroll > 0 ? (Math.min(g.scrollTop, g.maxScroll) / g.maxScroll) * g.fullMax : 0;
  const first = Math.floor(virtualTop / LINE_HEIGHT);
  const offset = virtualTop - first * LINE_HEIGHT;
  const last = Math.min(store.lineCount, first + Math.ceil(g.vh / LINE_HEIGHT) + 2);
  const digits = String(Math.max(1, store.lineCount)).length;
  const rows: ComponentChildren[] = [];
  for (let i = first; i < last; i++) {
    const stream = store.stream(i);
    const cls = `log-line log-${stream}${props.target?.line === i ? ' log-line-current' : ''}${props.errorLine === i ? ' log-line-error' : ''}`;
    rows.push(
      <div key={i} class={cls} data-line={i + 1}>
        <span class="log-ln" title={store.time(i)} style={{ width: `${digits + 1}ch` }}>
          {i + 1}
        </span>
        <span class="log-text">{highlighted(displayText(store.line(i)), props.query ?? '')}</span>
        {props.errorLine === i && props.errorNote ? <span class="log-error-note">{props.errorNote}</span> : null}
      </div>,
    );
  }

  const onScroll = () => {
    const el = scroller.current!;
    const atEnd = el.scrollTop + el.clientHeight >= el.scrollHeight - LINE_HEIGHT;
    if (followRef.current !== atEnd) props.onFollowChange(atEnd);
    redraw();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const page = Math.max(1, Math.floor(g.vh / LINE_HEIGHT) - 1);
    const keys: Record<string, () => void> = {
      PageDown: () => scrollToLine(first + page, 'top'),
      PageUp: () => scrollToLine(Math.max(0, first - page), 'top'),
      ArrowDown: () => scrollToLine(first + 1, 'top'),
      ArrowUp: () => scrollToLine(Math.max(0, first - 1), 'top'),
      Home: () => scrollToLine(0, 'top'),
      End: () => scrollToLine(store.lineCount, 'top'),
    };
    const act = keys[e.key];
    if (!act || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    act();
  };

  return (
    <div
      ref={scroller}
      class="log-view"
      role="log"
      aria-live="off"
      aria-label={props.label ?? 'Build log'}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: the log is scrolled with the keyboard, so it takes focus
      tabIndex={0}
      onScroll={onScroll}
      onKeyDown={onKeyDown}
    >
      <div class="log-spacer" style={{ height: `${g.spacer}px` }}>
        <div class="log-rows" style={{ transform: `translateY(${Math.min(g.scrollTop, g.maxScroll) - offset}px)` }}>
          {rows}
        </div>
      </div>
      {store.lineCount === 0 ? <p class="log-empty">No output yet.</p> : null}
    </div>
  );
}
