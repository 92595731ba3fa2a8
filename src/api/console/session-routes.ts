import { stringifySetCookie } from 'cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../app/app.js';
import type { ConsoleSessions, LiveSession } from '../../app/console-sessions.js';
import { invalidParameter } from '../../domain/errors.js';
import { newRequestId } from '../rpc/request-id.js';
import { sendError } from '../native/send-error.js';
import { jsonObjectBody, stringMember } from './json-body.js';
import { checkOrigin, liveSessionOf, SESSION_COOKIE, sessionTokenOf } from './session-auth.js';

export const SESSION_PATH = '/console/api/session';
/** A sign-in body is two short strings. */
const SIGN_IN_MAX_BYTES = 4096;

/** The cookie's attributes: the console's paths only, never readable by scripts, never sent cross-site; `Secure` over TLS. */
function sessionCookie(req: FastifyRequest, value: string, expires: Date): string {
  return stringifySetCookie({ name: SESSION_COOKIE, value, path: '/console', httpOnly: true, sameSite: 'strict', secure: req.protocol === 'https', expires });
}

/** The request's media type (`Content-Type` without its parameters), lower case. */
function mediaTypeOf(req: FastifyRequest): string {
  return (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
}

function sendJson(reply: FastifyReply, requestId: string, body: Record<string, unknown>): FastifyReply {
  return reply.code(200).header('content-type', 'application/json; charset=utf-8').header('x-acs-request-id', requestId)
    .header('cache-control', 'no-store').send(JSON.stringify({ RequestId: requestId, ...body }));
}

function sessionBody(sessions: ConsoleSessions, live: LiveSession): Record<string, unknown> {
  return {
    AccountId: live.session.accountId,
    AccessKeyId: live.session.accessKeyId,
    CsrfToken: live.csrfToken,
    ExpiresAt: new Date(live.session.expiresAt).toISOString(),
    IdleTimeoutSeconds: sessions.idleTimeoutSeconds,
  };
}

/**
 * The console session (docs/api-notes/console.md, "Session"):
 * - `POST /console/api/session` `{"AccessKeyId","AccessKeySecret"}`: signs in, sets the cookie;
 * - `GET /console/api/session`: the live session (the page's first call: who am I, my CSRF token);
 * - `DELETE /console/api/session` (CSRF): signs out, ends the session in the store, clears the cookie.
 */
export function registerSessionRoutes(server: FastifyInstance, app: App, sessions: ConsoleSessions): void {

  server.post(SESSION_PATH, async (req, reply) => {
    try {
      // A cross-site page must not sign a browser in to an account of its choosing either.
      checkOrigin(req);
      // Only a script can send application/json cross-site, and only after a CORS preflight
      // Kiln never grants: a form's text/plain body that parses as JSON signs nobody in.
      if (mediaTypeOf(req) !== 'application/json') throw invalidParameter('Content-Type', 'a sign-in is sent as application/json');
      const body = jsonObjectBody(req, SIGN_IN_MAX_BYTES);
      const accessKeyId = stringMember(body, 'AccessKeyId', 256);
      const secret = stringMember(body, 'AccessKeySecret', 256);
      const live = await sessions.signIn(accessKeyId, secret, req.ip);
      // The browser's previous session, if any, ends: one browser, one session.
      await sessions.signOut(sessionTokenOf(req));
      reply.header('set-cookie', sessionCookie(req, live.token, new Date(live.session.expiresAt)));
      return sendJson(reply, newRequestId(), sessionBody(sessions, live));
    } catch (err) {
      return sendError(reply, app, err);
    }
  });

  server.get(SESSION_PATH, async (req, reply) => {
    try {
      return sendJson(reply, newRequestId(), sessionBody(sessions, await liveSessionOf(sessions, req, { csrf: false })));
    } catch (err) {
      return sendError(reply, app, err);
    }
  });

  server.delete(SESSION_PATH, async (req, reply) => {
    try {
      await liveSessionOf(sessions, req, { csrf: true });
      await sessions.signOut(sessionTokenOf(req));
      reply.header('set-cookie', sessionCookie(req, '', new Date(0)));
      return sendJson(reply, newRequestId(), {});
    } catch (err) {
      return sendError(reply, app, err);
    }
  });
}
