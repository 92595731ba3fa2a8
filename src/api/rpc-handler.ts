import type { App } from '../app/app.js';
import { asKilnFault } from '../app/faults.js';
import { fault, isKilnError, missingParameter } from '../domain/errors.js';
import { messageOf } from '../domain/errors/registry.js';
import type { FinishedRequest } from '../domain/telemetry.js';
import { API_VERSION, OPERATIONS } from './operations/registry.js';
import { AccessKeyCache } from './rpc/access-key-cache.js';
import { authenticate } from './rpc/authenticate.js';
import { decodeRequest } from './rpc/decode.js';
import { encodeError, encodeSuccess } from './rpc/encode.js';
import { httpStatusFor } from './rpc/http-status.js';
import type { NonceRegistry } from './rpc/nonce-registry.js';
import type { RawRequest } from './rpc/raw-request.js';
import { newRequestId } from './rpc/request-id.js';
import type { ResponseFormat } from './rpc/response-format.js';

/** An HTTP answer, independent of the server framework. */
export interface RpcResponse {
  status: number;
  contentType: string;
  body: string;
  requestId: string;
}

export interface RpcHandlerDeps {
  app: App;
  nonces: NonceRegistry;
  now?: () => Date;
  /** Where unexpected faults are reported (their detail never reaches the client). */
  logError(err: unknown, context: { requestId: string; action?: string }): void;
  /**
   * Told once per answered request (metrics and the request's log line). Called before the
   * response is sent: it must only count or log, never throw.
   */
  onFinished?(request: FinishedRequest): void;
}

/**
 * Server-fault codes that reach the caller as themselves (documented, and worth a retry);
 * every other server fault is answered as `InternalError`.
 */
export const PASSED_SERVER_FAULTS: ReadonlySet<string> = new Set(['ServiceUnavailable', 'StartImagePipelineExecution.Failed']);

/**
 * The ECS RPC endpoint: decode → route (Action, Version) → authenticate → operation → encode.
 * Every failure becomes a documented error body: client faults and `PASSED_SERVER_FAULTS` as
 * they are (a store transaction that kept conflicting becomes `ServiceUnavailable`, 503);
 * anything else is `InternalError` (500). Server faults are logged with their cause, never echoed.
 */
export function createRpcHandler(deps: RpcHandlerDeps): (raw: RawRequest) => Promise<RpcResponse> {
  const now = deps.now ?? (() => new Date());
  // Keys are read at most every 5 s per key: a status change takes that long to apply.
  const accessKeys = new AccessKeyCache((id) => deps.app.store.accessKeys.get(id));
  const findAccessKey = (id: string) => accessKeys.get(id);

  const onFinished = deps.onFinished;
  return async (raw) => {
    const started = performance.now();
    const requestId = newRequestId();
    let format: ResponseFormat = 'JSON';
    let action: string | undefined;
    let known: string | undefined;
    let accountId: string | undefined;
    try {
      const decoded = decodeRequest(raw);
      format = decoded.format;
      action = decoded.action;
      if (action === undefined || action === '') throw missingParameter('Action');
      if (decoded.version === undefined || decoded.version === '') throw missingParameter('Version');
      if (decoded.version !== API_VERSION) throw fault('InvalidVersion');
      const operation = OPERATIONS.get(action);
      if (!operation) throw fault('InvalidAction.NotFound');
      known = action;

      const principal = await authenticate({ ...decoded, raw }, { findAccessKey, nonces: deps.nonces, now });
      accountId = principal.accountId;
      const body = await operation.handle({ app: deps.app, accountId, params: decoded.params });
      const encoded = encodeSuccess(action, { RequestId: requestId, ...body }, format);
      onFinished?.({ requestId, action: known, accountId, code: 'Success', status: 200, seconds: (performance.now() - started) / 1000 });
      return { status: 200, contentType: encoded.contentType, body: encoded.payload, requestId };
    } catch (caught) {
      const err = asKilnFault(caught);
      const failure = isKilnError(err) && (err.fault === 'client' || PASSED_SERVER_FAULTS.has(err.code)) ? err : undefined;
      if (failure?.fault !== 'client') deps.logError(caught, { requestId, ...(action ? { action } : {}) });
      const code = failure?.code ?? 'InternalError';
      const message = failure?.message ?? messageOf('InternalError');
      const encoded = encodeError({ code, message }, requestId, format, deps.app.config.hostId);
      const status = httpStatusFor(code, failure?.fault ?? 'server');
      onFinished?.({ requestId, action: known, accountId, code, status, seconds: (performance.now() - started) / 1000 });
      return { status, contentType: encoded.contentType, body: encoded.payload, requestId };
    }
  };
}
