import { parseBootReport, REPORT_MARKER } from './boot-report.js';
import { plainLine, plainSegments } from './console-text.js';
import type { BootKind, BootReport } from './types.js';

/** Something the console showed that ends the wait for a boot. */
export type ConsoleEvent =
  | { kind: 'reported'; line: string; report: BootReport }
  | { kind: 'reported'; line: string; error: string }
  | { kind: Exclude<BootKind, 'reported' | 'timeout' | 'qemu-exited'>; line: string };

/** The signs of a failed boot, by what they mean. */
const FAILURES: { kind: 'panic' | 'initramfs-shell' | 'emergency-mode'; pattern: RegExp }[] = [
  { kind: 'panic', pattern: /Kernel panic - not syncing/ },
  { kind: 'initramfs-shell', pattern: /\(initramfs\)|Dropping to a shell/ },
  { kind: 'emergency-mode', pattern: /You are in emergency mode|Cannot open access to console, the root account is locked|Give root password for maintenance/ },
];

/** A prompt waits without a newline: the unfinished line is checked for these too. */
const PROMPTS = /\(initramfs\)|Give root password for maintenance/;

export interface ConsoleWatcherOptions {
  /** Lines kept (the last ones); default 200. */
  maxLines?: number;
  /** Characters kept of a line (the rest of a longer one is dropped); default 2048. */
  maxLineChars?: number;
  /** Called for every sign of the boot's end, in the order they appear. */
  onEvent?(event: ConsoleEvent): void;
}

/**
 * Watches a VM's serial console: splits what the guest prints into lines, keeps the last
 * `maxLines` (so memory stays bounded whatever the guest prints: a line longer than
 * `maxLineChars` is cut), and reports the report line, a kernel panic, an initramfs shell and
 * emergency mode as they appear.
 */
export class ConsoleWatcher {
  private readonly maxLines: number;
  private readonly maxLineChars: number;
  private readonly lines: string[] = [];
  private partial = '';
  private partialCut = false;
  private promptSeen = false;

  constructor(private readonly options: ConsoleWatcherOptions = {}) {
    this.maxLines = options.maxLines ?? 200;
    this.maxLineChars = options.maxLineChars ?? 2048;
  }

  /** Takes the next piece of console output. */
  feed(text: string): void {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      this.append(text.slice(start, nl));
      this.endLine();
      start = nl + 1;
    }
    this.append(text.slice(start));
    this.checkPrompt();
  }

  /** The console ended (QEMU exited): the unfinished line counts as a line. */
  end(): void {
    if (this.partial.length > 0) this.endLine();
  }

  /** The last lines, oldest first, made plain (no escape sequences), the unfinished one last. */
  lastLines(): string[] {
    const tail = plainLine(this.partial).slice(0, this.maxLineChars);
    return tail.length > 0 ? [...this.lines, tail] : [...this.lines];
  }

  private append(piece: string): void {
    if (this.partialCut) return;
    // Raw text holds escape sequences; twice the kept length leaves room for them.
    const room = this.maxLineChars * 2 - this.partial.length;
    if (piece.length > room) {
      this.partial += piece.slice(0, room);
      this.partialCut = true;
    } else this.partial += piece;
  }

  private endLine(): void {
    const raw = this.partial;
    this.partial = '';
    this.partialCut = false;
    this.promptSeen = false;
    const line = plainLine(raw).slice(0, this.maxLineChars);
    if (line.trim().length > 0) {
      this.lines.push(line);
      if (this.lines.length > this.maxLines) this.lines.shift();
    }
    this.inspect(raw, line);
  }

  private inspect(raw: string, line: string): void {
    const reportLine = plainSegments(raw).find((s) => s.startsWith(REPORT_MARKER));
    if (reportLine !== undefined) {
      const parsed = parseBootReport(reportLine);
      const event: ConsoleEvent = 'error' in parsed ? { kind: 'reported', line: reportLine, error: parsed.error } : { kind: 'reported', line: reportLine, report: parsed };
      this.options.onEvent?.(event);
      return;
    }
    const failure = FAILURES.find((f) => f.pattern.test(line));
    if (failure) this.options.onEvent?.({ kind: failure.kind, line });
  }

  private checkPrompt(): void {
    if (this.promptSeen || this.partial.length === 0) return;
    const line = plainLine(this.partial);
    if (!PROMPTS.test(line)) return;
    this.promptSeen = true;
    const failure = FAILURES.find((f) => f.pattern.test(line));
    if (failure) this.options.onEvent?.({ kind: failure.kind, line });
  }
}
