import type { ExecutionLogRepository, LogChunk } from '../domain/ports.js';
import { ecsTime } from '../domain/time.js';

/**
 * Collects build output and writes it in batches (every `intervalMs`, or sooner when large),
 * so a chatty build costs a few writes a second. `close` flushes what is left.
 */
export class LogBuffer {
  private pending: Array<Omit<LogChunk, 'seq'>> = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly logs: ExecutionLogRepository,
    private readonly executionId: string,
    private readonly intervalMs = 200,
    private readonly maxBytes = 64 * 1024,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  write(stream: LogChunk['stream'], text: string): void {
    if (text === '') return;
    const last = this.pending[this.pending.length - 1];
    // Consecutive output of one stream becomes one chunk.
    if (last && last.stream === stream && last.text.length < 8192) last.text += text;
    else this.pending.push({ stream, text, time: ecsTime() });
    this.bytes += text.length;
    if (this.bytes >= this.maxBytes) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.intervalMs);
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
