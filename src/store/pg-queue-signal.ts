import pg from 'pg';
import type { QueueSignal, QueuedJob } from '../domain/queue-signal.js';

/** The notification channel; the payload is the job kind. */
const CHANNEL = 'kiln_queued';
const JOBS: readonly QueuedJob[] = ['execution', 'task'];
const RECONNECT_FIRST_MS = 500;
const RECONNECT_MAX_MS = 30_000;

export interface QueueSignalOptions {
  databaseUrl?: string;
  /**
   * Called for every job announced on the database by any process (this one included). Given,
   * the signal LISTENs at once and keeps listening (reconnecting with backoff; after a
   * reconnect it calls `onQueued` for every kind, since announcements may have been missed).
   */
  onQueued?: (job: QueuedJob) => void;
}

/**
 * The `QueueSignal` on PostgreSQL: one connection of its own (outside the store's pool, as
 * LISTEN needs a session), opened at once to listen, or on the first announcement otherwise.
 * `undefined` for SQLite: the workers of a SQLite deployment live in the `kiln serve` processes
 * of its one host, which wake each other over IPC.
 */
export function openQueueSignal(opts: QueueSignalOptions): QueueSignal | undefined {
  const url = opts.databaseUrl?.trim();
  if (!url || !/^postgres(ql)?:\/\//i.test(url)) return undefined;
  return new PgQueueSignal(url, opts.onQueued);
}

class PgQueueSignal implements QueueSignal {
  readonly #url: string;
  readonly #onQueued: ((job: QueuedJob) => void) | undefined;
  #client: Promise<pg.Client> | undefined;
  /** The connection `#client` resolves to (events of an older one are ignored). */
  #current: pg.Client | undefined;
  #closed = false;
  #retryMs = RECONNECT_FIRST_MS;
  #retry: NodeJS.Timeout | undefined;
  /** Kinds announced and not yet sent, and whether a send is running. */
  readonly #pending = new Set<QueuedJob>();
  #sending = false;

  constructor(url: string, onQueued?: (job: QueuedJob) => void) {
    this.#url = url;
    this.#onQueued = onQueued;
    if (onQueued) this.#connect(false);
  }

  announce(job: QueuedJob): void {
    if (this.#closed) return;
    this.#pending.add(job);
    if (!this.#sending) void this.#send();
  }

  async #send(): Promise<void> {
    this.#sending = true;
    try {
      while (this.#pending.size > 0 && !this.#closed) {
        const job = this.#pending.values().next().value as QueuedJob;
        this.#pending.delete(job);
        const client = await (this.#client ?? this.#connect(false)).catch(() => undefined);
        // Lost (no connection now): the workers' poll finds the job.
        await client?.query('select pg_notify($1, $2)', [CHANNEL, job]).catch(() => {});
      }
    } finally {
      this.#sending = false;
    }
  }

  #connect(reconnected: boolean): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.#url });
    this.#current = client;
    const connecting = (async () => {
      // Without an 'error' listener a dropped connection would crash the process.
      client.on('error', () => this.#lost(client));
      client.on('end', () => this.#lost(client));
      await client.connect();
      if (this.#onQueued) {
        client.on('notification', (n) => {
          if (n.channel === CHANNEL && (JOBS as readonly string[]).includes(n.payload ?? '')) this.#onQueued?.(n.payload as QueuedJob);
        });
        await client.query(`listen ${CHANNEL}`);
        if (reconnected) for (const job of JOBS) this.#onQueued(job);
      }
      this.#retryMs = RECONNECT_FIRST_MS;
      return client;
    })();
    this.#client = connecting;
    connecting.catch(() => this.#lost(client));
    return connecting;
  }

  /** The connection failed or ended: forget it; a listener reconnects after a backoff. */
  #lost(client: pg.Client): void {
    client.end().catch(() => {});
    if (client !== this.#current || this.#closed) return;
    this.#current = undefined;
    this.#client = undefined;
    if (!this.#onQueued) return;
    const delay = this.#retryMs;
    this.#retryMs = Math.min(RECONNECT_MAX_MS, this.#retryMs * 2);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      if (!this.#closed) this.#connect(true).catch(() => {});
    }, delay);
    this.#retry.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    const client = await this.#client?.catch(() => undefined);
    this.#client = undefined;
    this.#current = undefined;
    await client?.end().catch(() => {});
  }
}
