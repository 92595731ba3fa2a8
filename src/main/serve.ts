import type { FastifyInstance } from 'fastify';
import { createServer } from '../api/server.js';
import type { KilnConfig } from '../config/config.js';
import type { App } from '../app/app.js';
import type { DefaultCredentials } from '../auth/default-account.js';
import type { StoreHealth } from '../domain/store-health.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { boot } from './boot.js';
import { announceQueuedJobs, wakeWorkersOnQueueSignal } from './queue-wake.js';
import { kilnLogger, registerMetricsRoute, storeMetrics, workerLogs } from './observability.js';
import { tlsOf } from './tls.js';
import { startWorkers } from './workers.js';

export interface Running {
  app: App;
  server: FastifyInstance;
  credentials: DefaultCredentials;
  /** `http://host:port` (`https://` with TLS) actually bound (port 0 picks a free one). */
  endpoint: string;
  stop(): Promise<void>;
}

/** An API server listening, with its probes. */
export interface ListeningApi {
  server: FastifyInstance;
  /** `http://host:port` actually bound. */
  endpoint: string;
  /**
   * Drains: `/readyz` answers 503 `draining` from now on, the listener closes (new connections
   * go to other processes), idle keep-alive connections are closed, and the promise resolves
   * once the requests in flight have been answered.
   */
  drain(): Promise<void>;
}

/**
 * The API server of one process on `config.host`/`config.port` (in a node:cluster child, the
 * port is shared with the other children). Runs no worker. `metrics`: this process's (default:
 * its own, counting its requests; none with `KILN_METRICS=false`), served on `/metrics`.
 */
export async function listenApi(app: App, store: StoreHealth, config: KilnConfig, metrics: Metrics | undefined = config.metrics ? createMetrics() : undefined): Promise<ListeningApi> {
  let draining = false;
  const tls = tlsOf(config);
  const server = await createServer(app, { health: { store, draining: () => draining }, logger: kilnLogger(config), ...(metrics ? { telemetry: metrics.telemetry } : {}), ...(tls ? { tls } : {}) });
  if (metrics) registerMetricsRoute(server, metrics);
  await server.listen({ host: config.host, port: config.port });
  const addr = server.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  // Workers of other processes and hosts hear of a Start here at once (PostgreSQL).
  const announcer = announceQueuedJobs(app);
  return {
    server,
    endpoint: `${tls ? 'https' : 'http'}://${host}:${port}`,
    async drain() {
      draining = true;
      await server.close();
      await announcer.close();
    },
  };
}

/**
 * The all-in-one composition root: store, app, API server and `config.workers` workers in one
 * process (`kiln serve --api-processes 1`, and every in-process test fixture).
 */
export async function serve(config: KilnConfig): Promise<Running> {
  const { app, credentials, health } = await boot(config);
  const metrics = storeMetrics(app);
  const api = await listenApi(app, health, config, metrics);
  const logs = workerLogs(api.server.log);
  const workers = startWorkers(app, config.workers, logs.log, credentials.accountId, { ...(metrics ? { telemetry: metrics.telemetry } : {}), info: logs.info });
  const wake = wakeWorkersOnQueueSignal(config, workers);
  return {
    app,
    server: api.server,
    credentials,
    endpoint: api.endpoint,
    async stop() {
      await wake?.close();
      await workers.stop();
      await api.drain();
      await app.store.close();
    },
  };
}
