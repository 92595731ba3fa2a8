/**
 * Work that callers asking for the same key at once share (one extraction of a layer for every
 * build that needs it). Each caller may bring an `AbortSignal`: it ends that caller's wait at
 * once, and the work's own signal is aborted when every caller still waiting has given up (a
 * caller without a signal never gives up). Work that was aborted is forgotten at once, so a
 * later caller starts afresh rather than joining it.
 */
export class SharedWork<T> {
  private readonly jobs = new Map<string, Job<T>>();

  run(key: string, signal: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    let job = this.jobs.get(key);
    if (!job) {
      const controller = new AbortController();
      const started: Job<T> = { controller, waiting: 0, unbounded: false, promise: Promise.resolve() as Promise<T> };
      started.promise = work(controller.signal).finally(() => {
        if (this.jobs.get(key) === started) this.jobs.delete(key);
      });
      started.promise.catch(() => undefined); // every caller gets the outcome through its own promise
      this.jobs.set(key, started);
      job = started;
    }
    const joined = job;
    if (!signal) {
      joined.unbounded = true;
      return joined.promise;
    }
    joined.waiting++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        joined.waiting--;
        if (joined.waiting === 0 && !joined.unbounded) {
          if (this.jobs.get(key) === joined) this.jobs.delete(key);
          joined.controller.abort(signal.reason);
        }
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      joined.promise.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      );
    });
  }
}

interface Job<T> {
  controller: AbortController;
  /** Callers with a signal still waiting. */
  waiting: number;
  /** A caller without a signal joined: the work is never aborted. */
  unbounded: boolean;
  promise: Promise<T>;
}
