/** Told how far an export is: a whole percent (0–100, never going back) and the phase it is in. */
export type ExportProgress = (percent: number, phase: string) => void;

/**
 * Turns bytes done in one phase into the export's overall percent: the phase spans `from`–`to`
 * percent and `total` bytes (an estimate: the percent stops at `to` however many bytes come).
 * Reports only when the whole percent changes; `signal` is checked as bytes are counted.
 */
export class ProgressMeter {
  private done = 0;
  private last = -1;

  constructor(
    private readonly report: ExportProgress | undefined,
    private readonly signal: AbortSignal | undefined,
    private readonly phase: string,
    private readonly total: number,
    private readonly from = 0,
    private readonly to = 100,
  ) {}

  add(bytes: number): void {
    this.signal?.throwIfAborted();
    this.done += bytes;
    const share = this.total > 0 ? Math.min(this.done / this.total, 1) : 0;
    const percent = Math.floor(this.from + share * (this.to - this.from));
    if (percent > this.last) {
      this.last = percent;
      this.report?.(percent, this.phase);
    }
  }

  /** Passes pieces through, counting them. */
  async *count(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const piece of source) {
      this.add(piece.length);
      yield piece;
    }
  }
}
