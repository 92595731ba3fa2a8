/** What a `ClaimLoop` claims and runs. */
export interface ClaimLoopOptions<J> {
  /** Claims one job (under a lease), or answers undefined when there is none for this worker now. */
  claim(): Promise<J | undefined>;
  /** Runs a claimed job to its end; it must not throw (the worker logs its own failures). */
  run(job: J): Promise<void>;
  /** How long an idle loop waits before it claims again, unless poked. */
  pollMs: number;
  /** Told of a claim that threw (`what claim failed`); the loop treats it as nothing to claim. */
  log?: (msg: string, err?: unknown) => void;
  /** Names the jobs in the log (`task`, or nothing for builds). */
  what?: string;
}

/**
 * The loop of a leased worker: claim a job and run it, then claim again at once; with nothing to
 * claim, wait `pollMs` or until `poke`. A claim that throws (a store briefly out of reach) is
 * logged and counts as nothing to claim, so the loop never dies of it. `stop` ends the loop once
 * the job in hand returns; stopping that job (aborting it) is the worker's own business.
 */
export class ClaimLoop<J> {
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly o: ClaimLoopOptions<J>) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Has an idle loop claim now (e.g. right after a job was queued in this process). */
  poke(): void {
    this.wake?.();
  }

  /** Claims nothing more; resolves when the job in hand (if any) has returned. */
  stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    return this.loop ?? Promise.resolve();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let job: J | undefined;
      try {
        job = await this.o.claim();
      } catch (err) {
        this.o.log?.(`${this.o.what ? `${this.o.what} ` : ''}claim failed`, err);
      }
      if (job !== undefined) {
        await this.o.run(job);
        continue;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.o.pollMs);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}
