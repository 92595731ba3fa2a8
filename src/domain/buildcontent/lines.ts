/** One command after joining `\` continuations. */
export interface LogicalLine {
  /** 1-based line where the command starts; errors and the build log point here. */
  line: number;
  /** The command text, trimmed, continuations joined. */
  text: string;
}

/**
 * Splits Dockerfile-style content into commands.
 *
 * - LF and CRLF are both line ends (content pasted from Windows editors keeps its `\r`).
 * - Blank lines and lines whose first non-blank character is `#` are skipped, also inside
 *   a continuation, as Docker does; a `#` later on a line is not a comment.
 * - A line ending in `\` (trailing blanks allowed) continues on the next line. The `\` and
 *   the line break become ONE space, with the blanks around them dropped. Docker instead
 *   glues the lines together, but the reference's own example
 *   `LABEL user="username"\⏎date="2020-11-11"` only works if the break separates words.
 *   The price: a quoted string split across lines gets a single space at the break.
 * - A `\` on the last line simply ends the command (nothing to continue with).
 */
export function splitLogicalLines(text: string): LogicalLine[] {
  const physical = stripBom(text).split('\n');
  const out: LogicalLine[] = [];
  let start = 0;
  let parts: string[] | undefined;

  for (const [index, raw] of physical.entries()) {
    const lineText = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const trimmed = lineText.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (parts === undefined) {
      parts = [];
      start = index + 1;
    }
    const continues = trimmed.endsWith('\\');
    const part = continues ? trimmed.slice(0, -1).trim() : trimmed;
    if (part !== '') parts.push(part);
    if (!continues) {
      out.push({ line: start, text: parts.join(' ') });
      parts = undefined;
    }
  }
  if (parts !== undefined && parts.length > 0) out.push({ line: start, text: parts.join(' ') });
  return out;
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
