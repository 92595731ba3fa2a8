import cluster from 'node:cluster';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import type { App } from '../app/app.js';
import type { KilnConfig } from '../config/config.js';
import { answerClusterCollects, clusterMetricsText } from '../observability/cluster-metrics.js';
import { loggerOptions, secretsOf, type KilnLoggerOptions } from '../observability/logging.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';

/** Kiln's logger for a process: `KILN_LOG_LEVEL`, `KILN_LOG_FORMAT`, and every configured secret scrubbed from its lines. */
export function kilnLogger(config: KilnConfig): KilnLoggerOptions {
  return loggerOptions(config, { knownSecrets: secretsOf(config) });
}

/**
 * Kiln's logger for a process with no API server (`kiln worker`, the primary of `kiln serve
 * --api-processes N`): the same level, format and scrubbing as the API's.
 */
export function processLogger(config: KilnConfig): Logger {
  const { stream, ...options } = kilnLogger(config);
  return pino(options, stream);
}

/** The `log` (failures) and `info` callbacks `startWorkers` takes, on a logger: the fields (`executionId`, `taskId`) become the line's. */
export function workerLogs(logger: Pick<Logger, 'error' | 'info'>): { log(msg: string, err?: unknown, fields?: Record<string, unknown>): void; info(msg: string, fields: Record<string, unknown>): void } {
  return {
    log: (msg, err, fields) => logger.error({ ...fields, ...(err === undefined ? {} : { err }) }, msg),
    info: (msg, fields) => logger.info(fields, msg),
  };
}

/**
 * The metrics of a process that runs the store's queue (`kiln serve` in one process, or the
 * primary of `--api-processes N`): Kiln's instruments with the queue gauges read from the store
 * on each scrape. Undefined when `KILN_METRICS=false`.
 */
export function storeMetrics(app: App): Metrics | undefined {
  if (!app.config.metrics) return undefined;
  const metrics = createMetrics();
  metrics.readQueueFrom(() => app.store.executions.queueStats());
  return metrics;
}

/**
 * `GET /metrics` (Prometheus text format) on the API server. In one process: this process's
 * metrics. In a cluster child (`kiln serve --api-processes N`): the whole cluster's, from the
 * primary (`serveClusterMetricsInPrimary`); the child also answers the primary's requests for
 * its own. A scrape that cannot be answered gets 503.
 */
export function registerMetricsRoute(server: FastifyInstance, metrics: Metrics): void {
  const inCluster = cluster.isWorker;
  if (inCluster) {
    const stop = answerClusterCollects(metrics);
    server.addHook('onClose', async () => stop());
  }
  server.get('/metrics', async (req, reply) => {
    try {
      const text = inCluster ? await clusterMetricsText() : await metrics.text();
      return reply.header('content-type', metrics.contentType).header('cache-control', 'no-store').send(text);
    } catch (err) {
      req.log.warn({ err }, 'metrics could not be collected');
      return reply.code(503).header('content-type', 'text/plain; charset=utf-8').send('metrics unavailable\n');
    }
  });
}
