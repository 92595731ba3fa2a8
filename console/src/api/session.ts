import { request, setCsrfToken } from './http';

/** The signed-in session, as `POST`/`GET /console/api/session` describe it. */
export interface Session {
  AccountId: string;
  AccessKeyId: string;
  CsrfToken: string;
  /** When the session ends whatever the activity (ISO 8601). */
  ExpiresAt: string;
  /** A session unused for this long ends. */
  IdleTimeoutSeconds: number;
}

/** Exchanges an AccessKey pair for a session (the secret is sent once, over this request only). */
export async function signIn(accessKeyId: string, accessKeySecret: string): Promise<Session> {
  const s = await request<Session>('POST', '/session', { AccessKeyId: accessKeyId, AccessKeySecret: accessKeySecret });
  setCsrfToken(s.CsrfToken);
  return s;
}

/** The current session, or undefined when there is none (signed out, expired). */
export async function currentSession(): Promise<Session | undefined> {
  try {
    const s = await request<Session>('GET', '/session');
    setCsrfToken(s.CsrfToken);
    return s;
  } catch {
    return undefined;
  }
}

export async function signOut(): Promise<void> {
  try {
    await request('DELETE', '/session');
  } finally {
    setCsrfToken(undefined);
  }
}
