import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import type { App } from '../app/app.js';
import type { ErrorCode, Fault } from '../domain/errors.js';
import { messageOf } from '../domain/errors/registry.js';
import type { FinishedRequest, Telemetry } from '../domain/telemetry.js';
import { createRpcHandler, type RpcHandlerDeps } from './rpc-handler.js';
import { CALL_PATH } from './console/api-routes.js';
import { encodeError } from './rpc/encode.js';
import { httpStatusFor } from './rpc/http-status.js';
import { newRequestId } from './rpc/request-id.js';
import { responseFormatOf } from './rpc/response-format.js';
import { StoredNonceRegistry } from './rpc/stored-nonce-registry.js';
import { registerNativeRoutes } from './native/routes.js';
import { registerConsoleRoutes, type ConsoleRoutesDeps } from './console/routes.js';
import { registerHealthRoutes, type HealthSources } from './health-routes.js';
import { rawRequestOf } from './raw-request-of.js';

/** Largest request body accepted (bytes); BuildContent and Content are far smaller. */
const BODY_LIMIT = 1024 * 1024;

/** The `Format` query parameter of a raw URL, read leniently (the URL may be what failed). */
function formatOfUrl(url: string | undefined): ReturnType<typeof responseFormatOf> {
  const m = /[?&]Format=([^&#]*)/.exec(url ?? '');
  return responseFormatOf(m?.[1]);
}

/**
 * An ECS error body for a request that never reached the RPC handler (bad URL, body too
 * large, unknown route), so that every client sees a `Code` and a `RequestId` — pop-core, for
 * one, treats any JSON without `Code` as a success.
 */
function sendProtocolError(reply: FastifyReply, app: App, url: string | undefined, code: ErrorCode, message: string, fault: Fault): FastifyReply {
  const requestId = newRequestId();
  const encoded = encodeError({ code, message }, requestId, formatOfUrl(url), app.config.hostId);
  return reply
    .code(httpStatusFor(code, fault))
    .header('content-type', encoded.contentType)
    .header('x-acs-request-id', requestId)
    .send(encoded.payload);
}

/** What the server needs besides the app. */
export interface ServerOptions {
  /** `/healthz` and `/readyz` (see `health-routes.ts`); without it, neither route exists. */
  health?: HealthSources;
  /**
   * Fastify's logger (pino options: `observability/logging.ts` gives Kiln's, with secrets redacted and the
   * configured format); default: pino at `logLevel`. Fastify's own two lines per request are
   * off: the RPC endpoint logs one line per request at `info` (request id, account, action,
   * code, HTTP status, duration), other routes one line with their path.
   */
  logger?: FastifyServerOptions['logger'];
  /** Where each RPC request's action, code and latency are counted (default: nowhere). */
  telemetry?: Telemetry;
  /** PEM certificate (chain) and key: the server answers HTTPS instead of HTTP (`KILN_TLS_CERT_FILE`, `KILN_TLS_KEY_FILE`). */
  tls?: { cert: Buffer; key: Buffer };
  /** The web console's options (`console/routes.ts`). */
  console?: ConsoleRoutesDeps;
}

/**
 * The HTTP server: the ECS RPC endpoint on `GET /` and `POST /`, Kiln's own endpoints
 * under `/kiln/`, and the probes. Bodies are read raw (V3 signs the body's hash; V1 signs form parameters).
 */
export async function createServer(app: App, opts: ServerOptions = {}): Promise<FastifyInstance> {
  // Requests use the header-size limit below whether they come over HTTP or HTTPS.
  const maxHeaderSize = 256 * 1024;
  const server = Fastify({
    ...(opts.tls ? { https: { cert: opts.tls.cert, key: opts.tls.key, maxHeaderSize } } : {}),
    // X-Forwarded-* are believed from the configured proxies only (the client address, TLS).
    trustProxy: app.config.trustProxy.length > 0 ? app.config.trustProxy : false,
    logger: opts.logger ?? { level: app.config.logLevel },
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    // The official SDKs put every parameter in the query string: BuildContent and TestContent
    // (16 KB each, up to 3x that once percent-encoded) must fit in the request line, far past
    // Node's default 16 KB header limit (which answers 431 and drops the connection).
    http: { maxHeaderSize },
    // Official clients send Action names, not paths; keep-alive lets them reuse connections.
    keepAliveTimeout: 65_000,
    // A request target fastify cannot decode (e.g. `/%ZZ`) is the client's InvalidParameter.
    frameworkErrors: (_err, req, reply) =>
      sendProtocolError(reply, app, req.raw.url, 'InvalidParameter', 'The request URL contains malformed percent-encoding.', 'client'),
  });
  // Errors fastify raises before the RPC handler runs (body too large, unreadable body) and any
  // fault escaping a route: ECS error bodies, never fastify's own format or an error's text.
  server.setErrorHandler((err: { statusCode?: number }, req, reply) => {
    const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status === 413) {
      return sendProtocolError(reply, app, req.raw.url, 'InvalidParameter', `The request body is larger than ${BODY_LIMIT} bytes.`, 'client');
    }
    if (status >= 400 && status < 500) {
      return sendProtocolError(reply, app, req.raw.url, 'InvalidParameter', 'The request could not be read.', 'client');
    }
    req.log.error({ err }, 'request failed');
    return sendProtocolError(reply, app, req.raw.url, 'InternalError', messageOf('InternalError'), 'server');
  });
  // Requests use `GET /` and `POST /` only (reference §5.1).
  server.setNotFoundHandler((req, reply) =>
    sendProtocolError(reply, app, req.raw.url, 'InvalidAction.NotFound', messageOf('InvalidAction.NotFound'), 'client'));
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  // Nonces are kept in the store: a replay is refused after a restart and by other API processes.
  const nonces = new StoredNonceRegistry(app.store.signatureNonces, {
    onPruneError: (err) => server.log.warn({ err }, 'pruning expired signature nonces failed; will retry'),
  });
  server.addHook('onClose', () => nonces.close());
  const telemetry = opts.telemetry;
  const logRequests = ['info', 'debug', 'trace'].includes(server.log.level);
  // How an answered operation is reported (metrics, the request's log line), by the RPC endpoint and the console's call route alike.
  const reporting: Pick<RpcHandlerDeps, 'logError' | 'onFinished'> = {
    logError: (err, ctx) => server.log.error({ err, ...ctx }, 'request failed'),
    ...(telemetry || logRequests ? {
      onFinished: (r: FinishedRequest) => {
        telemetry?.requestFinished(r);
        if (logRequests) server.log.info({ requestId: r.requestId, accountId: r.accountId, action: r.action ?? 'unknown', code: r.code, status: r.status, durationMs: Math.round(r.seconds * 1e4) / 10 }, 'request');
      },
    } : {}),
  };
  const handle = createRpcHandler({ app, nonces, ...reporting });
  if (logRequests) {
    // Kiln's own routes (not the RPC endpoint, which logs above): the path only, never the query.
    server.addHook('onResponse', async (req, reply) => {
      if (req.routeOptions.url === '/' || req.routeOptions.url === CALL_PATH) return;
      req.log.info({ method: req.method, path: req.url.split('?', 1)[0], status: reply.statusCode, durationMs: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
    });
  }

  const rpc = async (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
    const res = await handle(rawRequestOf(req));
    return reply.code(res.status).header('content-type', res.contentType).header('x-acs-request-id', res.requestId).send(res.body);
  };
  server.get('/', rpc);
  server.post('/', rpc);
  registerNativeRoutes(server, app, nonces);
  registerConsoleRoutes(server, app, { ...opts.console, reporting });
  if (opts.health) registerHealthRoutes(server, opts.health);
  return server;
}
