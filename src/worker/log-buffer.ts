import type { ExecutionLogRepository, LogChunk } from '../domain/ports.js';
import { ecsTime } from '../domain/time.js';
import { LogCap } from './log-cap.js';

/** Consecutive output of one stream is merged into a chunk while the chunk is shorter than this. */
const MERGE_BELOW = 8192;
/**
 * No stored chunk is longer than this (UTF-16 code units): readers of the log (the streaming
 * endpoint) hold a page of chunks at a time, so a chunk's size bounds their memory.
 */
export const MAX_CHUNK_LENGTH = 64 * 1024;

export interface LogBufferOptions {
  /** How long output waits before it is written (unless `flushBytes` came first). */
  intervalMs?: number;
  /** Output pending past this many characters is written at once. */
  flushBytes?: number;
  /** The execution's log cap in bytes (`KILN_LOG_MAX_BYTES`, see `LogCap`); 0 or absent: none. */
  maxBytes?: number;
  /** A failed write (the output is lost; the build goes on). */
  onError?: (err: unknown) => void;
}

/**
 * Collects build output and writes it in batches (every `intervalMs`, or sooner when large),
 * so a chatty build costs a few writes a second. Output past the execution's cap is dropped
 * (with one truncation line). `close` flushes what is left.
 */
export class LogBuffer {
  private pending: Array<Omit<LogChunk, 'seq'>> = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly intervalMs: number;
  private readonly flushBytes: number;
  private readonly cap: LogCap;
  private readonly onError: (err: unknown) => void;

  constructor(
    private readonly logs: ExecutionLogRepository,
    private readonly executionId: string,
    o: LogBufferOptions = {},
  ) {
    this.intervalMs = o.intervalMs ?? 200;
    this.flushBytes = o.flushBytes ?? 64 * 1024;
    this.cap = new LogCap(o.maxBytes ?? 0);
    this.onError = o.onError ?? (() => {});
  }

  write(stream: LogChunk['stream'], text: string): void {
    if (text === '') return;
    const { kept, notice } = this.cap.admit(text);
    this.push(stream, kept);
    if (notice) this.push('system', notice);
    if (this.bytes >= this.flushBytes) void this.flush();
    else if (this.pending.length > 0) this.timer ??= setTimeout(() => void this.flush(), this.intervalMs);
  }

  private push(stream: LogChunk['stream'], text: string): void {
    this.bytes += text.length;
    while (text !== '') {
      const last = this.pending[this.pending.length - 1];
      const into = last && last.stream === stream && last.text.length < MERGE_BELOW ? last : undefined;
      let n = Math.min(text.length, MAX_CHUNK_LENGTH - (into?.text.length ?? 0));
      // Never between the halves of a surrogate pair: each chunk is valid text on its own.
      const code = text.charCodeAt(n - 1);
      if (n < text.length && code >= 0xd800 && code <= 0xdbff) n--;
      if (into) into.text += text.slice(0, n);
      else this.pending.push({ stream, text: text.slice(0, n), time: ecsTime() });
      text = text.slice(n);
    }
  }

  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    this.bytes = 0;
    if (batch.length > 0) {
      this.flushing = this.flushing.then(() => this.logs.append(this.executionId, batch)).catch(this.onError);
    }
    return this.flushing;
  }

  async close(): Promise<void> {
    await this.flush();
  }
}
