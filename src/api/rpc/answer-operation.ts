import type { App } from '../../app/app.js';
import { asKilnFault } from '../../app/faults.js';
import { fault, isKilnError, missingParameter } from '../../domain/errors.js';
import { messageOf } from '../../domain/errors/registry.js';
import type { FinishedRequest } from '../../domain/telemetry.js';
import { OPERATIONS } from '../operations/registry.js';
import type { RawParams } from '../operations/spec/read.js';
import { encodeError, encodeSuccess } from './encode.js';
import { httpStatusFor } from './http-status.js';
import { newRequestId } from './request-id.js';
import type { ResponseFormat } from './response-format.js';

/** An HTTP answer, independent of the server framework. */
export interface RpcResponse {
  status: number;
  contentType: string;
  body: string;
  requestId: string;
}

/** What answering an operation needs besides the request. */
export interface AnswerDeps {
  app: App;
  /** Where unexpected faults are reported (their detail never reaches the client). */
  logError(err: unknown, context: { requestId: string; action?: string }): void;
  /**
   * Told once per answered request (metrics and the request's log line). Called before the
   * response is sent: it must only count or log, never throw.
   */
  onFinished?(request: FinishedRequest): void;
}

/**
 * One request for an operation as its transport read it: the RPC endpoint (signed) or the
 * console's call route (session). Only how the caller is found differs between them.
 */
export interface OperationRequest {
  format: ResponseFormat;
  /** The `Action` named; absent or empty is `MissingParameter.Action`. */
  action: string | undefined;
  params: RawParams;
  /** Checks of the transport made once an action is named and before it is routed (the RPC endpoint's `Version`). */
  checkProtocol?(): void;
  /** The caller's account, made after routing (a signature is checked only for an action that exists). */
  authenticate(): Promise<string>;
}

/**
 * Server-fault codes that reach the caller as themselves (documented, and worth a retry);
 * every other server fault is answered as `InternalError`.
 */
export const PASSED_SERVER_FAULTS: ReadonlySet<string> = new Set(['ServiceUnavailable', 'StartImagePipelineExecution.Failed']);

/**
 * Answers an operation request: `read` (the transport's decoding) → route (`Action`) →
 * authenticate → invoke → encode, the one place an ECS action is run and answered. Every
 * failure becomes a documented error body: client faults and `PASSED_SERVER_FAULTS` as they are
 * (a store transaction that kept conflicting becomes `ServiceUnavailable`, 503); anything else
 * is `InternalError` (500). Server faults are logged with their cause, never echoed. A failure
 * of `read` itself is answered in JSON (the format was not read yet).
 */
export async function answerOperation(deps: AnswerDeps, read: () => Promise<OperationRequest>): Promise<RpcResponse> {
  const started = performance.now();
  const requestId = newRequestId();
  let format: ResponseFormat = 'JSON';
  let action: string | undefined;
  let known: string | undefined;
  let accountId: string | undefined;
  const finish = (code: string, status: number) =>
    deps.onFinished?.({ requestId, action: known, accountId, code, status, seconds: (performance.now() - started) / 1000 });
  try {
    const request = await read();
    format = request.format;
    action = request.action;
    if (action === undefined || action === '') throw missingParameter('Action');
    request.checkProtocol?.();
    const operation = OPERATIONS.get(action);
    if (!operation) throw fault('InvalidAction.NotFound');
    known = action;

    accountId = await request.authenticate();
    const body = await operation.handle({ app: deps.app, accountId, params: request.params });
    const encoded = encodeSuccess(action, { RequestId: requestId, ...body }, format);
    finish('Success', 200);
    return { status: 200, contentType: encoded.contentType, body: encoded.payload, requestId };
  } catch (caught) {
    const err = asKilnFault(caught);
    const failure = isKilnError(err) && (err.fault === 'client' || PASSED_SERVER_FAULTS.has(err.code)) ? err : undefined;
    if (failure?.fault !== 'client') deps.logError(caught, { requestId, ...(action ? { action } : {}) });
    const code = failure?.code ?? 'InternalError';
    const message = failure?.message ?? messageOf('InternalError');
    const encoded = encodeError({ code, message }, requestId, format, deps.app.config.hostId);
    const status = httpStatusFor(code, failure?.fault ?? 'server');
    finish(code, status);
    return { status, contentType: encoded.contentType, body: encoded.payload, requestId };
  }
}
