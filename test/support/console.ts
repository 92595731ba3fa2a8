import assert from 'node:assert/strict';

/** A signed-in console session as a test holds it (the browser would keep the cookie itself). */
export interface ConsoleSession {
  /** `kiln_console=<token>`, ready for a `Cookie` header. */
  cookie: string;
  /** The session's CSRF token (the `X-Kiln-Csrf` header of POST/DELETE). */
  csrf: string;
  accountId: string;
}

/** `POST /console/api/session` with an AccessKey pair; fails the test unless it answers 200 with a session cookie. */
export async function consoleSignIn(baseUrl: string, accessKeyId: string, secret: string): Promise<ConsoleSession> {
  const res = await fetch(`${baseUrl}/console/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ AccessKeyId: accessKeyId, AccessKeySecret: secret }),
  });
  const body = await res.json() as { CsrfToken?: string; AccountId?: string; Code?: string };
  assert.equal(res.status, 200, `console sign-in failed: ${JSON.stringify(body)}`);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const m = /(?:^|,\s*)(kiln_console=[^;]+)/.exec(setCookie);
  assert.ok(m, `no kiln_console cookie in ${setCookie}`);
  assert.ok(body.CsrfToken && body.AccountId);
  return { cookie: m[1] as string, csrf: body.CsrfToken, accountId: body.AccountId };
}

/**
 * `fetch` of a console path (`/console/api/call`, …) with the session's cookie and CSRF header
 * (`init.headers` may override either, e.g. to test without them).
 */
export function consoleFetch(baseUrl: string, session: ConsoleSession, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers({ cookie: session.cookie, 'x-kiln-csrf': session.csrf });
  for (const [k, v] of new Headers(init.headers)) headers.set(k, v);
  return fetch(`${baseUrl}${path}`, { ...init, headers });
}
