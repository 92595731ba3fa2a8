import type { Telemetry } from '../../domain/telemetry.js';
import { collectGarbage, type GcOptions, type GcReport } from './collect-garbage.js';

/**
 * Runs garbage collection after builds, at most once per `intervalMs` and never twice at once
 * in this process. Collection is in the background: it never delays a build's outcome, and a
 * failure is reported to `onError` and retried after the next build.
 */
export class GcScheduler {
  private last = 0;
  private running: Promise<GcReport | undefined> | undefined;

  constructor(
    private readonly options: GcOptions,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void = () => undefined,
    /** Each collection (and what it deleted) is counted here (`/metrics`). */
    private readonly telemetry?: Telemetry,
  ) {}

  /** Called when a build ends. */
  afterBuild(): void {
    if (this.running || Date.now() - this.last < this.intervalMs) return;
    void this.collect();
  }

  /** Collects now (or joins the collection in progress). */
  collect(): Promise<GcReport | undefined> {
    this.running ??= (async () => {
      try {
        const report = await collectGarbage(this.options);
        this.telemetry?.gcRan({ failed: false, deletedBlobs: report.deletedBlobs, freedBytes: report.freedBytes });
        return report;
      } catch (err) {
        this.telemetry?.gcRan({ failed: true, deletedBlobs: 0, freedBytes: 0 });
        this.onError(err);
        return undefined;
      } finally {
        this.last = Date.now();
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** Waits for a collection in progress (before the store closes). */
  async idle(): Promise<void> {
    await this.running;
  }
}
