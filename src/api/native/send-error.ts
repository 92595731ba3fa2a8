import type { FastifyReply } from 'fastify';
import type { App } from '../../app/app.js';
import { asKilnFault } from '../../app/faults.js';
import { isKilnError } from '../../domain/errors.js';
import { messageOf } from '../../domain/errors/registry.js';
import { encodeError } from '../rpc/encode.js';
import { httpStatusFor } from '../rpc/http-status.js';
import { newRequestId } from '../rpc/request-id.js';

/**
 * Answers a failure of one of Kiln's own routes (signed reads under `/kiln/v1/`, and every console
 * route but the call route, which answers as the RPC endpoint does) with the ECS JSON error body and the code's status. Client faults and
 * `ServiceUnavailable` go out as they are; anything else is `InternalError`, logged with its
 * cause and never echoed. Never cached (`Cache-Control: no-store`).
 */
export function sendError(reply: FastifyReply, app: App, caught: unknown): FastifyReply {
  const err = asKilnFault(caught);
  const known = isKilnError(err) && (err.fault === 'client' || err.code === 'ServiceUnavailable') ? err : undefined;
  const requestId = newRequestId();
  if (known?.fault !== 'client') reply.log.error({ err: caught, requestId }, 'request failed');
  const code = known?.code ?? 'InternalError';
  const body = encodeError({ code, message: known?.message ?? messageOf('InternalError') }, requestId, 'JSON', app.config.hostId);
  return reply.code(httpStatusFor(code, known?.fault ?? 'server')).header('content-type', body.contentType).header('x-acs-request-id', requestId)
    .header('cache-control', 'no-store').send(body.payload);
}
