/**
 * A FIFO async mutex: `run(fn)` starts `fn` once every earlier `run` has settled, so the
 * critical sections of one process never overlap. A rejection is passed to its own caller
 * only; the queue goes on.
 */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
