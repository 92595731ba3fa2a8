/**
 * How many log streams each account has open on this API process, against a per-account limit
 * (`KILN_LOG_STREAMS_PER_ACCOUNT`). Every stream holds a socket, a page of log and a store poll
 * every 250 ms while it follows a build, so one tenant must not open them without bound. The
 * count is per process: several API processes each allow the limit.
 */
export class LogStreamSlots {
  private readonly open = new Map<string, number>();

  /** `limit` 0: no limit. */
  constructor(readonly limit: number) {}

  /**
   * Takes a place for one of the account's streams: returns the function that gives it back
   * (once, whatever happens to the stream), or undefined when the account is at its limit.
   */
  acquire(accountId: string): (() => void) | undefined {
    const n = this.open.get(accountId) ?? 0;
    if (this.limit > 0 && n >= this.limit) return undefined;
    this.open.set(accountId, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(accountId) ?? 1) - 1;
      if (left > 0) this.open.set(accountId, left);
      else this.open.delete(accountId);
    };
  }

  /** Streams the account has open now. */
  count(accountId: string): number {
    return this.open.get(accountId) ?? 0;
  }
}
