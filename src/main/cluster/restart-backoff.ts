/**
 * How long to wait before forking a replacement for an API child that died: 250 ms, doubling
 * with each death in a row up to 30 s, so a child that crashes at once (a bad disk, a full
 * database) does not spin; a death after a quiet minute starts again from 250 ms.
 */
export class RestartBackoff {
  #deaths = 0;
  #lastDeath = -Infinity;

  constructor(
    private readonly firstMs = 250,
    private readonly maxMs = 30_000,
    private readonly quietMs = 60_000,
  ) {}

  /** Records a death at `now` (ms) and answers how long to wait before the restart. */
  nextDelay(now: number): number {
    if (now - this.#lastDeath >= this.quietMs) this.#deaths = 0;
    this.#lastDeath = now;
    const delay = Math.min(this.maxMs, this.firstMs * 2 ** this.#deaths);
    this.#deaths++;
    return delay;
  }
}
