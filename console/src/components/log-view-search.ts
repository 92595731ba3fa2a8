import type { LogStore } from './log-view-store';

/** Matches past this many are not collected (the count says "at least"). */
export const MAX_MATCHES = 100_000;
/** How long one slice of the search may run before it yields to the page. */
const SLICE_MS = 8;

export interface SearchState {
  query: string;
  /** The line of each match, in order (a line with two matches is there twice). */
  matches: number[];
  /** Every chunk held so far has been searched. */
  done: boolean;
  /** Fraction of the chunks searched. */
  progress: number;
  capped: boolean;
}

/**
 * A case-insensitive search over the stored chunks, run in slices of a few milliseconds (the
 * page stays responsive on a 100 MB log) and continued as chunks arrive. Matches are found per
 * chunk and mapped to lines through the store's index (a match split across two chunks of one
 * line is not found: chunks are 8–64 KiB, lines rarely cross them).
 */
export class LogSearch {
  private matches: number[] = [];
  private chunk = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private readonly needle: string;
  private unsubscribe: () => void;

  constructor(
    private readonly store: LogStore,
    readonly query: string,
    private readonly onUpdate: (s: SearchState) => void,
  ) {
    this.needle = query.toLowerCase();
    this.unsubscribe = store.subscribe(() => this.schedule());
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.unsubscribe();
  }

  private schedule(): void {
    if (this.stopped || this.timer !== undefined || this.chunk >= this.store.chunkCount) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.slice();
    }, 0);
  }

  private slice(): void {
    const started = performance.now();
    const store = this.store;
    const capped = () => this.matches.length >= MAX_MATCHES;
    while (this.chunk < store.chunkCount && !capped() && performance.now() - started < SLICE_MS) {
      const c = this.chunk++;
      const text = store.chunkText(c).toLowerCase();
      let at = text.indexOf(this.needle);
      while (at !== -1 && !capped()) {
        this.matches.push(store.lineAt(c, at));
        at = text.indexOf(this.needle, at + this.needle.length);
      }
    }
    if (capped()) this.chunk = store.chunkCount;
    const total = store.chunkCount;
    this.onUpdate({
      query: this.query,
      matches: this.matches,
      done: this.chunk >= total,
      progress: total === 0 ? 1 : this.chunk / total,
      capped: capped(),
    });
    this.schedule();
  }
}
