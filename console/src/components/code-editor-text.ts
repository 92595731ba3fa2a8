/*
 * Text helpers of the code editor: line offsets, caret moves and the Tab key, on a plain
 * <textarea> (edits go through the browser's own editing so Undo keeps working).
 */

/** The indentation Tab inserts. */
export const INDENT = '  ';

/** The offset of the first character of 1-based `line` in `text` (clamped to the text). */
export function lineStart(text: string, line: number): number {
  let pos = 0;
  for (let n = 1; n < line; n++) {
    const next = text.indexOf('\n', pos);
    if (next < 0) return pos;
    pos = next + 1;
  }
  return pos;
}

/** The 1-based line the offset `pos` is on. */
export function lineAt(text: string, pos: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < pos; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** The width of each line in columns (tabs to the next multiple of 4, as the editor shows them). */
export function lineWidths(text: string): number[] {
  return text.split('\n').map((l) => {
    let col = 0;
    for (const ch of l) col = ch === '\t' ? col + 4 - (col % 4) : col + 1;
    return col;
  });
}

/** Replaces the selection as if typed: the browser's undo stack keeps the change. */
function insert(ta: HTMLTextAreaElement, text: string): void {
  ta.focus();
  // execCommand is the one way to edit a textarea that keeps native Undo; fall back when absent.
  const done = typeof document.execCommand === 'function' && document.execCommand('insertText', false, text);
  if (!done) {
    ta.setRangeText(text, ta.selectionStart, ta.selectionEnd, 'end');
    ta.dispatchEvent(new Event('input', { bubbles: true }));
  }
}

/**
 * Tab: inserts spaces at the caret, or indents every selected line; Shift+Tab un-indents the
 * lines of the selection. Returns false when the key is left to the browser.
 */
export function handleTab(ta: HTMLTextAreaElement, shift: boolean): boolean {
  const { value, selectionStart: start, selectionEnd: end } = ta;
  const multiLine = value.slice(start, end).includes('\n');
  if (!shift && !multiLine) {
    insert(ta, INDENT);
    return true;
  }
  const from = value.lastIndexOf('\n', start - 1) + 1;
  const block = value.slice(from, end);
  const lines = block.split('\n');
  const changed = shift
    ? lines.map((l) => l.replace(new RegExp(`^ {1,${INDENT.length}}|^\\t`), ''))
    : lines.map((l) => (l === '' ? l : INDENT + l));
  const next = changed.join('\n');
  if (next === block) return true;
  ta.setSelectionRange(from, end);
  insert(ta, next);
  const firstDelta = changed[0]!.length - lines[0]!.length;
  ta.setSelectionRange(Math.max(from, start + firstDelta), from + next.length);
  return true;
}

/** Puts the caret at the start of `line` and scrolls it into view (a third down the box). */
export function moveCaretToLine(ta: HTMLTextAreaElement, line: number, lineHeight: number, focus = true): void {
  const pos = lineStart(ta.value, line);
  if (focus) ta.focus({ preventScroll: true });
  ta.setSelectionRange(pos, pos);
  revealLine(ta, line, lineHeight);
}

/** Scrolls the textarea so `line` is visible, without moving the caret or the focus. */
export function revealLine(ta: HTMLTextAreaElement, line: number, lineHeight: number): void {
  const top = (line - 1) * lineHeight;
  if (top < ta.scrollTop || top + lineHeight > ta.scrollTop + ta.clientHeight) {
    ta.scrollTop = Math.max(0, top - ta.clientHeight / 3);
  }
}
