import { fault } from '../domain/errors.js';

export interface SignInThrottleOptions {
  /** Failures allowed per key within the window (default 10). */
  maxFailures?: number;
  /** The window (default 60 s). */
  windowMs?: number;
  /** Most keys tracked; past that the oldest is forgotten (default 10,000: bounded memory). */
  maxKeys?: number;
  now?: () => number;
}

/**
 * Failed console sign-ins per key (a client address, an AccessKey id): a key with
 * `maxFailures` failures in the last `windowMs` is refused (`Throttling.SignIn`, 429) until the
 * oldest of them leaves the window. Kept in memory per process: with several API processes an
 * attacker gets that many times the budget, and a restart forgets it (documented in
 * docs/api-notes/console.md). Guessing a 30-character secret stays hopeless either way; the
 * throttle keeps a weak, operator-chosen secret from being tried at request rate.
 */
export class SignInThrottle {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  /** Failure times per key, oldest first, at most `#max` each. */
  readonly #failures = new Map<string, number[]>();

  constructor(opts: SignInThrottleOptions = {}) {
    this.#max = opts.maxFailures ?? 10;
    this.#windowMs = opts.windowMs ?? 60_000;
    this.#maxKeys = opts.maxKeys ?? 10_000;
    this.#now = opts.now ?? Date.now;
  }

  /** Throws `Throttling.SignIn` when any of `keys` has used up its failures. */
  check(keys: readonly string[]): void {
    const since = this.#now() - this.#windowMs;
    for (const key of keys) {
      const times = this.#failures.get(key);
      if (times !== undefined && times.length >= this.#max && times[0] as number > since) throw fault('Throttling.SignIn');
    }
  }

  /** Records a failure for each of `keys`; returns its time (for `forgive`). */
  fail(keys: readonly string[]): number {
    const now = this.#now();
    for (const key of keys) {
      const times = (this.#failures.get(key) ?? []).filter((t) => t > now - this.#windowMs);
      times.push(now);
      if (times.length > this.#max) times.shift();
      // Re-inserted last: the map's order is then least recently failed first.
      this.#failures.delete(key);
      this.#failures.set(key, times);
      if (this.#failures.size > this.#maxKeys) this.#failures.delete(this.#failures.keys().next().value as string);
    }
    return now;
  }

  /** Takes back the failure `fail` recorded at `at` for each of `keys` (an attempt counted up front that succeeded). */
  forgive(keys: readonly string[], at: number): void {
    for (const key of keys) {
      const times = this.#failures.get(key);
      const i = times === undefined ? -1 : times.lastIndexOf(at);
      if (times === undefined || i < 0) continue;
      times.splice(i, 1);
      if (times.length === 0) this.#failures.delete(key);
    }
  }
}
