import { parseCookie } from 'cookie';
import type { FastifyRequest } from 'fastify';
import type { ConsoleSessions, LiveSession } from '../../app/console-sessions.js';
import { fault } from '../../domain/errors.js';
import { constantTimeEqual } from '../rpc/constant-time.js';

/** The console's session cookie (`Path=/console; HttpOnly; SameSite=Strict`, `Secure` over TLS). */
export const SESSION_COOKIE = 'kiln_console';
/** The header a state-changing console call carries the session's CSRF token in. */
export const CSRF_HEADER = 'x-kiln-csrf';

/** Who a console request acts as. */
export interface ConsolePrincipal {
  accountId: string;
  accessKeyId: string;
  /** Whether the session is still live (asked again by a long-lived answer: sign-out, expiry or a disabled key end it too). */
  stillAllowed?: () => Promise<boolean>;
}

/**
 * Authenticates a console request by its session cookie; with `csrf`, also checks the
 * `X-Kiln-Csrf` header against the session's token and that an `Origin` header, when present,
 * is this server's own. Throws `Console.SessionRequired` (no live session) or
 * `Console.CsrfTokenInvalid`; on success the session's idle timer is refreshed.
 */
export type ConsoleAuth = (req: FastifyRequest, opts: { csrf: boolean }) => Promise<ConsolePrincipal>;

/** The session token of a request's `kiln_console` cookie, if any. */
export function sessionTokenOf(req: FastifyRequest): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string' || header === '') return undefined;
  return parseCookie(header)[SESSION_COOKIE];
}

/** This server's origin as the browser names it (`https://host:port`; trustProxy decides what is believed). */
export function ownOrigin(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`;
}

/** Throws `Console.CsrfTokenInvalid` when the request has an `Origin` header naming another origin. */
export function checkOrigin(req: FastifyRequest): void {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== ownOrigin(req)) throw fault('Console.CsrfTokenInvalid');
}

/** Throws `Console.CsrfTokenInvalid` unless the request carries the session's CSRF token. */
export function checkCsrfToken(req: FastifyRequest, live: LiveSession): void {
  const sent = req.headers[CSRF_HEADER];
  if (typeof sent !== 'string' || !constantTimeEqual(sent, live.csrfToken)) throw fault('Console.CsrfTokenInvalid');
}

/** The live session of a request (and its CSRF check when asked), for the session routes themselves. */
export async function liveSessionOf(sessions: ConsoleSessions, req: FastifyRequest, opts: { csrf: boolean }): Promise<LiveSession> {
  // A foreign origin is refused before the session is touched (it must not refresh the idle timer).
  if (opts.csrf) checkOrigin(req);
  const live = await sessions.resume(sessionTokenOf(req));
  if (opts.csrf) checkCsrfToken(req, live);
  return live;
}

/** The session authentication of every `/console/api/` route but sign-in (see {@link ConsoleAuth}). */
export function consoleAuthenticator(sessions: ConsoleSessions): ConsoleAuth {
  return async (req, opts) => {
    const { session } = await liveSessionOf(sessions, req, opts);
    const token = sessionTokenOf(req);
    const stillAllowed = () => sessions.resume(token).then(() => true, () => false);
    return { accountId: session.accountId, accessKeyId: session.accessKeyId, stillAllowed };
  };
}
