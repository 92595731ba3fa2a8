import type { FastifyInstance } from 'fastify';
import type { StoreHealth } from '../domain/store-health.js';

/** What the probes of one API process read. */
export interface HealthSources {
  store: StoreHealth;
  /** True once the process has begun to drain (it finishes its requests, then stops). */
  draining(): boolean;
}

/** How long `/readyz` waits for the store before it answers "not ready". */
export const READY_STORE_TIMEOUT_MS = 2_000;

/** Why the process is not ready, or undefined when it is. Never rejects. */
async function unreadyReason(sources: HealthSources): Promise<string | undefined> {
  if (sources.draining()) return 'draining';
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`store did not answer within ${READY_STORE_TIMEOUT_MS} ms`), READY_STORE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([sources.store.unreadyReason().catch(() => 'store unreachable'), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /healthz`: 200 `{"status":"ok","pid":…}` while the process is up (a liveness probe:
 * restart it when this fails; the pid tells which process of a cluster answered).
 * `GET /readyz`: 200 when the store answers a trivial query, every migration is applied and the
 * process is not draining; else 503 with `{"status":"unready","reason":"…"}` (a load balancer's
 * health check: send it no new requests). Neither is signed nor logged as an API call.
 */
export function registerHealthRoutes(server: FastifyInstance, sources: HealthSources): void {
  server.get('/healthz', { logLevel: 'silent' }, async (_req, reply) => reply.code(200).header('cache-control', 'no-store').send({ status: 'ok', pid: process.pid }));
  server.get('/readyz', { logLevel: 'silent' }, async (_req, reply) => {
    const reason = await unreadyReason(sources);
    reply.header('cache-control', 'no-store');
    return reason === undefined ? reply.code(200).send({ status: 'ready' }) : reply.code(503).send({ status: 'unready', reason });
  });
}
