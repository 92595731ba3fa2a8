import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { EXECUTION_STATUSES, TERMINAL_STATUSES } from '../domain/execution.js';
import type { ExecutionQueueStats, Telemetry } from '../domain/telemetry.js';

/** One process's metrics as prom-client's JSON (what the cluster aggregation sums). */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/**
 * Kiln's Prometheus metrics in one process: a prom-client registry with the instruments, the
 * `Telemetry` that feeds them (hand it to the API, the workers and the engine), and the
 * process's default metrics (CPU, memory, event loop, handles).
 *
 * Labels are bounded by construction: actions come from the API's list (`unknown` otherwise),
 * codes from the registered error codes, statuses from the execution statuses; no account,
 * request, execution or resource id is ever a label.
 */
export interface Metrics {
  readonly telemetry: Telemetry;
  /** The `Content-Type` of `text()`. */
  readonly contentType: string;
  /**
   * Reads the queue on every scrape (executions by active status, queue depth, age of the
   * oldest queued execution). Wire it in the process that answers scrapes with the store at
   * hand; the gauges aggregate across a cluster by `max` (every process sees the same store).
   */
  readQueueFrom(read: () => Promise<ExecutionQueueStats>): void;
  /** This process's metrics in the Prometheus text format. */
  text(): Promise<string>;
  /** This process's metrics as JSON, for `AggregatorRegistry.aggregate` (see `cluster-metrics.ts`). */
  json(): Promise<MetricsJson>;
}

const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const STEP_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const ACTIVE_STATUSES = EXECUTION_STATUSES.filter((s) => !TERMINAL_STATUSES.has(s));

// Default metrics watch the process (an event-loop monitor, among others): one set per process,
// however many Kiln servers it runs (tests run many).
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** A fresh registry with Kiln's instruments (and the process's default metrics beside it). */
export function createMetrics(): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const requests = new Counter({ name: 'kiln_api_requests_total', help: 'ECS RPC requests answered, by Action and response Code (Success or the error code)', labelNames: ['action', 'code'], registers });
  const latency = new Histogram({ name: 'kiln_api_request_duration_seconds', help: 'Time from reading an ECS RPC request to its encoded response, by Action', labelNames: ['action'], buckets: REQUEST_BUCKETS, registers });
  const finished = new Counter({ name: 'kiln_executions_finished_total', help: 'Image pipeline executions that reached a terminal status, by status', labelNames: ['status'], registers });
  const active = new Gauge({ name: 'kiln_executions', help: 'Image pipeline executions not in a terminal status, by status (read from the store on scrape)', labelNames: ['status'], registers, aggregator: 'max' });
  const depth = new Gauge({ name: 'kiln_queue_depth', help: 'Executions waiting for their first claim by a worker (read from the store on scrape)', registers, aggregator: 'max' });
  const oldest = new Gauge({ name: 'kiln_queue_oldest_age_seconds', help: 'Age of the oldest execution waiting for its first claim; 0 when none waits (read from the store on scrape)', registers, aggregator: 'max' });
  const steps = new Histogram({ name: 'kiln_build_step_duration_seconds', help: 'Build step durations, by step cache outcome (hit: reused, miss: run and recorded, uncached: run outside the cache)', labelNames: ['cache'], buckets: STEP_BUCKETS, registers });
  const hits = new Counter({ name: 'kiln_step_cache_hits_total', help: 'Build steps reused from the step cache', registers });
  const misses = new Counter({ name: 'kiln_step_cache_misses_total', help: 'Build steps looked up in the step cache and run (hit ratio: hits / (hits + misses))', registers });
  const blobBytes = new Counter({ name: 'kiln_blob_store_bytes_total', help: 'Bytes written to (in) and read from (out) the blob store', labelNames: ['direction'], registers });
  const gcRuns = new Counter({ name: 'kiln_gc_runs_total', help: 'Garbage collections run, by result (ok or failed)', labelNames: ['result'], registers });
  const gcBlobs = new Counter({ name: 'kiln_gc_deleted_blobs_total', help: 'Blobs deleted by garbage collection', registers });
  const gcBytes = new Counter({ name: 'kiln_gc_deleted_bytes_total', help: 'Bytes of blobs deleted by garbage collection', registers });
  const leases = new Counter({ name: 'kiln_worker_leases_total', help: 'Worker lease events, by job kind and event (claimed, renewed, lost)', labelNames: ['job', 'event'], registers });
  const readFailures = new Counter({ name: 'kiln_queue_read_failures_total', help: 'Scrapes whose read of the queue from the store failed (the queue gauges then keep their last values)', registers });

  let readQueue: (() => Promise<ExecutionQueueStats>) | undefined;
  // Scrapes at once share one read: /metrics is unauthenticated, and a flood of scrapes must not
  // become a flood of store queries holding the pool's connections.
  let reading: Promise<void> | undefined;
  const refresh = (): Promise<void> => {
    reading ??= readOnce().finally(() => {
      reading = undefined;
    });
    return reading;
  };
  const readOnce = async (): Promise<void> => {
    if (!readQueue) return;
    let stats: ExecutionQueueStats;
    try {
      stats = await readQueue();
    } catch {
      readFailures.inc();
      return;
    }
    for (const s of ACTIVE_STATUSES) active.set({ status: s }, stats.active[s] ?? 0);
    depth.set(stats.queued);
    oldest.set(stats.oldestQueuedAt === undefined ? 0 : Math.max(0, (Date.now() - stats.oldestQueuedAt) / 1000));
  };

  const telemetry: Telemetry = {
    requestFinished(r) {
      const action = r.action ?? 'unknown';
      requests.inc({ action, code: r.code });
      latency.observe({ action }, r.seconds);
    },
    executionFinished(status) {
      finished.inc({ status });
    },
    stepFinished(cache, seconds) {
      steps.observe({ cache }, seconds);
      if (cache === 'hit') hits.inc();
      else if (cache === 'miss') misses.inc();
    },
    blobBytes(direction, bytes) {
      if (bytes > 0) blobBytes.inc({ direction }, bytes);
    },
    gcRan({ failed, deletedBlobs, freedBytes }) {
      gcRuns.inc({ result: failed ? 'failed' : 'ok' });
      if (deletedBlobs > 0) gcBlobs.inc(deletedBlobs);
      if (freedBytes > 0) gcBytes.inc(freedBytes);
    },
    lease(job, event) {
      leases.inc({ job, event });
    },
  };
  // Series that exist before their first event, so rates and ratios read 0 rather than nothing.
  for (const direction of ['in', 'out']) blobBytes.inc({ direction }, 0);
  for (const result of ['ok', 'failed']) gcRuns.inc({ result }, 0);

  return {
    telemetry,
    contentType: registry.contentType,
    readQueueFrom(read) {
      readQueue = read;
    },
    async text() {
      await refresh();
      return `${await processMetrics().metrics()}\n${await registry.metrics()}`;
    },
    async json() {
      await refresh();
      return [...(await processMetrics().getMetricsAsJSON()), ...(await registry.getMetricsAsJSON())] as MetricsJson;
    },
  };
}
