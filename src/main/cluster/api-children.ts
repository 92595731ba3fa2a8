import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import { isQueuedMessage, type DrainMessage, type QueuedMessage } from './messages.js';
import { RestartBackoff } from './restart-backoff.js';

export interface ApiChildrenOptions {
  count: number;
  /** A child queued an execution or a task. */
  onQueued(job: QueuedMessage['job']): void;
  log(message: string): void;
  /** How long a drain waits for the children before it kills those left (default 30 s). */
  drainTimeoutMs?: number;
}

/**
 * The API children of `kiln serve`'s primary (node:cluster workers, all on one port): forks
 * them, restarts one that dies (with `RestartBackoff`), relays their queue messages, and drains
 * them on shutdown.
 */
export class ApiChildren {
  readonly #opts: ApiChildrenOptions;
  readonly #live = new Set<ClusterWorker>();
  readonly #listening = new Set<ClusterWorker>();
  readonly #backoff = new RestartBackoff();
  readonly #restarts = new Set<NodeJS.Timeout>();
  #stopping = false;
  #onStartupExit: ((err: Error) => void) | undefined;

  constructor(opts: ApiChildrenOptions) {
    this.#opts = opts;
  }

  /** Pids of the children alive now. */
  get pids(): number[] {
    return [...this.#live].flatMap((w) => (w.process.pid === undefined ? [] : [w.process.pid]));
  }

  /**
   * Forks `count` children; resolves with the port once every one of them listens, and
   * rejects if one exits before it listens (the port is taken, the store cannot be opened…).
   */
  start(): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      let port = 0;
      this.#onStartupExit = (err) => {
        this.#onStartupExit = undefined;
        reject(err);
      };
      for (let i = 0; i < this.#opts.count; i++) {
        this.#fork((listenedOn) => {
          port = listenedOn;
          if (this.#listening.size === this.#opts.count && this.#onStartupExit) {
            this.#onStartupExit = undefined;
            resolve(port);
          }
        });
      }
    });
  }

  #fork(onListening: (port: number) => void = () => {}): void {
    const worker = cluster.fork();
    this.#live.add(worker);
    worker.on('message', (message: unknown) => {
      if (isQueuedMessage(message)) this.#opts.onQueued(message.job);
    });
    worker.once('listening', (address) => {
      this.#listening.add(worker);
      onListening(address.port);
    });
    worker.once('exit', (code, signal) => {
      const listened = this.#listening.delete(worker);
      this.#live.delete(worker);
      if (this.#stopping) return;
      const how = signal ? `signal ${signal}` : `code ${code}`;
      if (!listened && this.#onStartupExit) {
        this.#onStartupExit(new Error(`an API process exited (${how}) before it listened`));
        return;
      }
      const delay = this.#backoff.nextDelay(Date.now());
      this.#opts.log(`API process ${worker.process.pid} exited (${how}); starting another in ${delay} ms`);
      const timer = setTimeout(() => {
        this.#restarts.delete(timer);
        if (!this.#stopping) this.#fork();
      }, delay);
      this.#restarts.add(timer);
    });
  }

  /**
   * Stops restarting, tells every listening child to drain (finish its requests in flight and
   * exit) and kills those still starting; resolves once all have exited. Children still alive
   * after the drain timeout are killed.
   */
  async drain(): Promise<void> {
    this.#stopping = true;
    for (const timer of this.#restarts) clearTimeout(timer);
    this.#restarts.clear();
    const exits = [...this.#live].map((w) => new Promise<void>((resolve) => {
      if (w.isDead()) resolve();
      else w.once('exit', () => resolve());
    }));
    const drain: DrainMessage = { kiln: 'drain' };
    for (const w of this.#live) {
      if (this.#listening.has(w) && w.isConnected()) w.send(drain);
      else w.process.kill('SIGKILL');
    }
    const timer = setTimeout(() => {
      for (const w of this.#live) {
        this.#opts.log(`API process ${w.process.pid} did not drain in time; killing it`);
        w.process.kill('SIGKILL');
      }
    }, this.#opts.drainTimeoutMs ?? 30_000);
    try {
      await Promise.all(exits);
    } finally {
      clearTimeout(timer);
    }
  }
}
