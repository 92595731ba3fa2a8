import Fastify, { LogController } from 'fastify';
import { registerHealthRoutes } from '../api/health-routes.js';
import type { KilnConfig } from '../config/config.js';
import type { StoreHealth } from '../domain/store-health.js';
import type { Metrics } from '../observability/metrics.js';
import { kilnLogger, registerMetricsRoute } from './observability.js';

/** The probes and metrics port of a `kiln worker` process, listening. */
export interface WorkerListener {
  /** `http://host:port` actually bound (port 0 picks a free one). */
  endpoint: string;
  /** `/readyz` answers 503 `draining` from now on (the worker is stopping); the port stays open until `close`. */
  drain(): void;
  /** Closes the port (requests in flight are answered first). */
  close(): Promise<void>;
}

/** `host:port` (`[v6]:port` for IPv6) as `KILN_WORKER_LISTEN` writes it; the schema has checked its form. */
export function parseListenAddress(value: string): { host: string; port: number } {
  const colon = value.lastIndexOf(':');
  const host = value.slice(0, colon);
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port: Number(value.slice(colon + 1)) };
}

/**
 * `kiln worker`'s small HTTP listener on `KILN_WORKER_LISTEN`: `GET /healthz`, `GET /readyz`
 * (the same routes as the API's: the store answers, migrations applied, not stopping) and, when
 * `metrics` is given, `GET /metrics` (this process's registry: its workers' leases, executions,
 * steps, step cache, blob bytes and GC, under the names `kiln serve` uses, and the queue gauges
 * read from the database). Nothing else is
 * served: every other path or method, the ECS RPC endpoint included, is a bare 404, so a worker
 * host exposes no API.
 */
export async function listenWorkerProbes(address: string, config: KilnConfig, store: StoreHealth, metrics: Metrics | undefined): Promise<WorkerListener> {
  const { host, port } = parseListenAddress(address);
  let draining = false;
  // Probes and scrapes every few seconds: no line per request (failures still log).
  const server = Fastify({ logger: kilnLogger(config), logController: new LogController({ disableRequestLogging: true }) });
  server.setNotFoundHandler((_req, reply) => reply.code(404).header('content-type', 'text/plain; charset=utf-8').send('not found\n'));
  registerHealthRoutes(server, { store, draining: () => draining });
  if (metrics) registerMetricsRoute(server, metrics);
  await server.listen({ host, port });
  const addr = server.server.address();
  const bound = typeof addr === 'object' && addr ? addr.port : port;
  return {
    endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    drain() {
      draining = true;
    },
    close: () => server.close(),
  };
}
