import type { FastifyReply } from 'fastify';
import type { App } from '../../app/app.js';
import { asKilnFault } from '../../app/faults.js';
import { isKilnError } from '../../domain/errors.js';
import { messageOf } from '../../domain/errors/registry.js';
import { encodeError } from '../rpc/encode.js';
import { httpStatusFor } from '../rpc/http-status.js';
import { newRequestId } from '../rpc/request-id.js';

/**
 * Answers a console route's failure with the ECS JSON error body `{RequestId, HostId, Code,
 * Message}` and the code's status from the registry. Client faults go out as they are, and so
 * does `ServiceUnavailable` (a store that kept conflicting: retryable); any other fault is
 * `InternalError` (500), logged with its cause and never echoed. Headers the console needs on
 * every API answer (`Cache-Control: no-store`) are set here too.
 */
export function sendConsoleError(reply: FastifyReply, app: App, caught: unknown): FastifyReply {
  const err = asKilnFault(caught);
  const known = isKilnError(err) && (err.fault === 'client' || err.code === 'ServiceUnavailable') ? err : undefined;
  const requestId = newRequestId();
  if (known?.fault !== 'client') reply.log.error({ err: caught, requestId }, 'console request failed');
  const code = known?.code ?? 'InternalError';
  const body = encodeError({ code, message: known?.message ?? messageOf('InternalError') }, requestId, 'JSON', app.config.hostId);
  return reply
    .code(httpStatusFor(code, known?.fault ?? 'server'))
    .header('content-type', body.contentType)
    .header('x-acs-request-id', requestId)
    .header('cache-control', 'no-store')
    .send(body.payload);
}
