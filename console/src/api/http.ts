import { ApiError, type ErrorBody } from './errors';

/**
 * The one place the console talks HTTP to Kiln: same-origin `fetch` with the session cookie,
 * the CSRF token on every state-changing request, and error bodies turned into `ApiError`.
 * The CSRF token is kept in this module's memory only (never in any browser storage); after a
 * reload it is read again from `GET /console/api/session`.
 */

let csrfToken: string | undefined;
const sessionLost = new Set<() => void>();

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called whenever a route answers `Console.SessionRequired` (the app shows the sign-in page). */
export function onSessionLost(listener: () => void): () => void {
  sessionLost.add(listener);
  return () => {
    sessionLost.delete(listener);
  };
}

async function failure(res: Response): Promise<ApiError> {
  let body: ErrorBody = {};
  try {
    body = (await res.json()) as ErrorBody;
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  const err = new ApiError(body.Code ?? `HTTP${res.status}`, body.Message ?? res.statusText, res.status, body.RequestId);
  if (err.code === 'Console.SessionRequired') {
    csrfToken = undefined;
    for (const l of sessionLost) l();
  }
  return err;
}

/** A JSON request to a console route (`/console/api/…`); resolves to the parsed body. */
export async function request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-kiln-csrf'] = csrfToken;
  const res = await fetch(`/console/api${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    ...(signal ? { signal } : {}),
  });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** A streaming GET (the NDJSON log stream); the caller reads `body`. */
export async function stream(path: string, signal: AbortSignal): Promise<Response> {
  const res = await fetch(`/console/api${path}`, { credentials: 'same-origin', signal, headers: { accept: 'application/x-ndjson' } });
  if (!res.ok) throw await failure(res);
  return res;
}
