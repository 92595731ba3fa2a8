import type { FastifyInstance } from 'fastify';
import type { App } from '../../app/app.js';

/** Kiln's own endpoints, outside the ECS action space. */
export function registerNativeRoutes(server: FastifyInstance, app: App): void {
  server.get('/kiln/health', async () => {
    await app.store.accounts.get('0');
    return { status: 'ok' };
  });
}
