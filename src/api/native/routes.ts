import type { FastifyInstance } from 'fastify';
import type { App } from '../../app/app.js';
import type { NonceRegistry } from '../rpc/nonce-registry.js';
import { nativeAuthenticator } from './authenticate-native.js';
import { EXECUTIONS_PATH, registerExecutionList } from './execution-list.js';
import { LOGS_PATH, registerExecutionLogs } from './execution-logs.js';
import { LAYERS_PATH, registerImageLayers } from './image-layers.js';

/** Kiln's own endpoints, outside the ECS action space. */
export function registerNativeRoutes(server: FastifyInstance, app: App, nonces: NonceRegistry): void {
  const signed = nativeAuthenticator(app, nonces);
  registerExecutionLogs(server, app, LOGS_PATH, signed);
  registerImageLayers(server, app, LAYERS_PATH, signed);
  registerExecutionList(server, app, EXECUTIONS_PATH, signed);
  // 200 when the store answers, else 503; the cause goes to the log, never to the caller.
  server.get('/kiln/health', async (req, reply) => {
    try {
      await app.store.accounts.get('0');
      return { status: 'ok' };
    } catch (err) {
      req.log.error({ err }, 'health check failed');
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
}
