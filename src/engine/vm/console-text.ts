/**
 * Console text as a reader sees it: escape sequences removed (CSI, OSC, two-byte escapes), a
 * line redrawn with carriage returns reduced to what stands last, control characters but tabs
 * dropped. The guest is not trusted; nothing it prints reaches a terminal or a match unread.
 */
export function plainLine(raw: string): string {
  const noEscapes = raw
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\|$)/g, '')
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b[ -~]?/g, '');
  const segments = noEscapes.split('\r').filter((s) => s.length > 0);
  return (segments.at(-1) ?? '').replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '');
}

/**
 * The segments of a raw line between carriage returns, each made plain: a line the guest
 * starts at column 0 after a redrawn status line (`[  *** ] A start job…\rKILN-BOOT-REPORT…`)
 * is one of them.
 */
export function plainSegments(raw: string): string[] {
  return raw.split('\r').map(plainLine).filter((s) => s.length > 0);
}

/**
 * A filter for console output on its way to a terminal: keeps text, newlines, tabs, carriage
 * returns and colours (SGR `ESC [ … m`), drops every other escape sequence and control
 * character (a hostile guest could retitle, remap or query the user's terminal). Sequences
 * split across chunks are held until complete (bounded: an unfinished one past 64 characters
 * is dropped).
 */
export class TerminalFilter {
  private held = '';

  write(chunk: string): string {
    let text = this.held + chunk;
    this.held = '';
    const lastEsc = text.lastIndexOf('\x1b');
    if (lastEsc >= 0 && !isComplete(text.slice(lastEsc)) && text.length - lastEsc <= 64) {
      this.held = text.slice(lastEsc);
      text = text.slice(0, lastEsc);
    }
    return text
      .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\|$)/g, '')
      .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, (seq) => (/^\x1b\[[0-9;]*m$/.test(seq) ? seq : ''))
      .replace(/\x1b(?!\[[0-9;]*m)[ -~]?/g, '')
      .replace(/[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f-\x9f]/g, '');
  }
}

/** Whether an escape sequence (starting at ESC) is finished. */
function isComplete(seq: string): boolean {
  if (seq.length < 2) return false;
  if (seq[1] === '[') return /^\x1b\[[0-?]*[ -/]*[@-~]/.test(seq);
  if (seq[1] === ']') return /\x07|\x1b\\/.test(seq.slice(2));
  return true;
}
