import type { FastifyInstance, FastifyReply } from 'fastify';
import { scopeFor, type App } from '../../app/app.js';
import { CONTENT_FIELDS, validateContent, type ContentField } from '../../app/content-checks.js';
import type { SystemType } from '../../domain/component.js';
import { SYSTEM_TYPES } from '../../domain/component-rules.js';
import { invalidParameter } from '../../domain/errors.js';
import { CONSOLE_EXECUTIONS_PATH, registerExecutionList } from '../native/execution-list.js';
import { registerExecutionLogs } from '../native/execution-logs.js';
import { registerImageLayers } from '../native/image-layers.js';
import { answerOperation, type AnswerDeps, type RpcResponse } from '../rpc/answer-operation.js';
import { newRequestId } from '../rpc/request-id.js';
import { sendError } from '../native/send-error.js';
import { jsonObjectBody, stringMember } from './json-body.js';
import type { ConsoleAuth } from './session-auth.js';

export const CALL_PATH = '/console/api/call';
export const VALIDATE_PATH = '/console/api/validate';
export const CONSOLE_LOGS_PATH = '/console/api/executions/:executionId/logs';
export const CONSOLE_LAYERS_PATH = '/console/api/images/:imageId/layers';

/** A call or validation body: parameters as the RPC endpoint takes them (BuildContent at most 16 KB, percent-encoded up to 3×). */
const BODY_MAX_BYTES = 1024 * 1024;

/** How console calls are reported, as the RPC endpoint's are (`AnswerDeps`); default: server faults to the server's log. */
export type ConsoleCallReporting = Partial<Pick<AnswerDeps, 'logError' | 'onFinished'>>;

/** `Parameters` of a call body: a JSON object of string values (flat wire names), as a null-prototype map. */
function wireParams(value: unknown): Record<string, string> {
  const params = Object.create(null) as Record<string, string>;
  if (value === undefined || value === null) return params;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParameter('Parameters', 'it is not a JSON object of parameter names and string values');
  for (const [name, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw invalidParameter('Parameters', `the value of ${JSON.stringify(name.slice(0, 100))} is not a string`);
    params[name] = v;
  }
  return params;
}

function sendRpc(reply: FastifyReply, res: RpcResponse): FastifyReply {
  return reply.code(res.status).header('content-type', res.contentType).header('x-acs-request-id', res.requestId)
    .header('cache-control', 'no-store').send(res.body);
}

/**
 * The console's API besides the session (docs/api-notes/console.md), each with the session
 * `auth` gives (CSRF on the POSTs):
 * - `POST /console/api/call` `{Action, Parameters}`: the ECS operation, answered by
 *   `answerOperation` exactly as the RPC endpoint answers it with `Format=JSON`, as the session's account;
 * - `POST /console/api/validate` `{RegionId, Kind, Content[, SystemType]}`: what a create would refuse in a content field;
 * - `GET /console/api/executions/{ExecutionId}/logs`: the log stream (`native/execution-logs.ts`);
 * - `GET /console/api/images/{ImageId}/layers?RegionId=`: an image's layers (`native/image-layers.ts`).
 */
export function registerConsoleApi(server: FastifyInstance, app: App, auth: ConsoleAuth, reporting: ConsoleCallReporting = {}): void {
  const answers: AnswerDeps = {
    app,
    logError: reporting.logError ?? ((err, ctx) => server.log.error({ err, ...ctx }, 'request failed')),
    ...(reporting.onFinished ? { onFinished: reporting.onFinished } : {}),
  };

  server.post(CALL_PATH, async (req, reply) => sendRpc(reply, await answerOperation(answers, async () => {
    // The session first: without one, nothing of the body is read or answered.
    const { accountId } = await auth(req, { csrf: true });
    const body = jsonObjectBody(req, BODY_MAX_BYTES);
    if (body.Action !== undefined && typeof body.Action !== 'string') throw invalidParameter('Action', 'it is not a string');
    return { format: 'JSON', action: body.Action, params: wireParams(body.Parameters), authenticate: async () => accountId };
  })));

  server.post(VALIDATE_PATH, async (req, reply) => {
    try {
      const { accountId } = await auth(req, { csrf: true });
      const body = jsonObjectBody(req, BODY_MAX_BYTES);
      const scope = scopeFor(app, accountId, stringMember(body, 'RegionId', 64));
      const kind = stringMember(body, 'Kind', 64);
      if (!CONTENT_FIELDS.includes(kind as ContentField)) throw invalidParameter('Kind', `it must be one of ${CONTENT_FIELDS.join(', ')}`);
      const content = body.Content ?? '';
      if (typeof content !== 'string') throw invalidParameter('Content', 'it is not a string');
      const systemType = body.SystemType ?? 'Linux';
      if (!SYSTEM_TYPES.includes(systemType as SystemType)) throw invalidParameter('SystemType', `it must be one of ${SYSTEM_TYPES.join(', ')}`);
      const problems = await validateContent(app, scope, kind as ContentField, content, systemType as SystemType);
      const requestId = newRequestId();
      return reply.header('x-acs-request-id', requestId).header('cache-control', 'no-store').send({
        RequestId: requestId,
        Valid: problems.length === 0,
        Errors: problems.map((p) => ({ Line: p.line ?? null, Code: p.code, Message: p.message })),
      });
    } catch (err) {
      return sendError(reply, app, err);
    }
  });

  // Reads: the session without CSRF (a GET changes nothing); one implementation with the signed routes.
  const session = (req: Parameters<ConsoleAuth>[0]) => auth(req, { csrf: false });
  registerExecutionLogs(server, app, CONSOLE_LOGS_PATH, session);
  registerImageLayers(server, app, CONSOLE_LAYERS_PATH, session);
  registerExecutionList(server, app, CONSOLE_EXECUTIONS_PATH, session);
}
