/** The kinds of queued jobs a signal names. */
export type QueuedJob = 'execution' | 'task';

/**
 * Tells the workers of every process and host on the database that a job was queued, so that
 * an idle one claims it at once instead of at its next poll (PostgreSQL: LISTEN/NOTIFY). Best
 * effort on purpose: a signal lost to a dropped connection only delays a claim until the
 * workers' next poll, which stays the guarantee.
 */
export interface QueueSignal {
  /** Announces a queued job (after its commit). Never throws; announcements of one job kind coalesce while one is being sent. */
  announce(job: QueuedJob): void;
  /** Ends the signal's connection (and its listening). */
  close(): Promise<void>;
}
