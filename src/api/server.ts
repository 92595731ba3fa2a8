import Fastify, { type FastifyInstance } from 'fastify';
import type { App } from '../app/app.js';
import { createRpcHandler } from './rpc-handler.js';
import { InMemoryNonceRegistry } from './rpc/nonce-registry.js';
import { registerNativeRoutes } from './native/routes.js';

/**
 * The HTTP server: the ECS RPC endpoint on `GET /` and `POST /`, and Kiln's own endpoints
 * under `/kiln/`. Bodies are read raw (V3 signs the body's hash; V1 signs form parameters).
 */
export async function createServer(app: App): Promise<FastifyInstance> {
  const server = Fastify({
    logger: { level: process.env.KILN_LOG_LEVEL ?? 'warn' },
    bodyLimit: 1024 * 1024,
    // Official clients send Action names, not paths; keep-alive lets them reuse connections.
    keepAliveTimeout: 65_000,
  });
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const handle = createRpcHandler({
    app,
    nonces: new InMemoryNonceRegistry(),
    logError: (err, ctx) => server.log.error({ err, ...ctx }, 'request failed'),
  });

  const rpc = async (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
    const url = req.raw.url ?? '/';
    const q = url.indexOf('?');
    const res = await handle({
      method: req.method,
      path: q < 0 ? url : url.slice(0, q),
      rawQuery: q < 0 ? '' : url.slice(q + 1),
      headers: req.raw.headersDistinct as Record<string, string[] | undefined>,
      body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    });
    return reply.code(res.status).header('content-type', res.contentType).header('x-acs-request-id', res.requestId).send(res.body);
  };
  server.get('/', rpc);
  server.post('/', rpc);
  registerNativeRoutes(server, app);
  return server;
}
