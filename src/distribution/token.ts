import { RegistryError } from './errors.js';
import type { RegistryCredentials } from './credentials.js';
import type { Challenge } from './challenge.js';
import { readBounded } from './bounded.js';

/** The most bytes of a token endpoint's answer Kiln reads. */
const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;
/** A token without `expires_in` is good for 60 s (the token spec's default); Kiln renews it 10 s early. */
const DEFAULT_TOKEN_SECONDS = 60;
const EARLY_SECONDS = 10;

interface Cached {
  token: string;
  until: number;
}

/**
 * Bearer tokens from a registry's token endpoint (the Docker token authentication spec),
 * cached per realm, service and set of scopes until shortly before they expire. Credentials
 * (Basic) go to the endpoint only over HTTPS, or plain HTTP when `insecure` allows it.
 */
export class TokenSource {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly credentials: RegistryCredentials | undefined,
    private readonly insecure: boolean,
    private readonly now: () => number = Date.now,
  ) {}

  /** A token for `scopes` from the challenge's realm: a cached one, or a new one. */
  async token(challenge: Extract<Challenge, { scheme: 'bearer' }>, scopes: readonly string[], where: string): Promise<string> {
    const wanted = [...new Set([...scopes, ...(challenge.scope ? challenge.scope.split(' ') : [])])].sort();
    const key = `${challenge.realm}\n${challenge.service ?? ''}\n${wanted.join(' ')}`;
    const hit = this.cache.get(key);
    if (hit && hit.until > this.now()) return hit.token;
    const url = this.realmUrl(challenge.realm, where);
    if (challenge.service) url.searchParams.append('service', challenge.service);
    for (const s of wanted) url.searchParams.append('scope', s);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.credentials) headers.authorization = basicAuthorization(this.credentials);
    let res: Response;
    try {
      res = await fetch(url, { headers, redirect: 'error' });
    } catch (err) {
      throw new RegistryError(`${where}: the token endpoint ${url.origin}${url.pathname} cannot be reached: ${causeOf(err)}`);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new RegistryError(`${where}: the token endpoint ${url.origin}${url.pathname} refused a token for ${wanted.join(' ')} (${res.status}${res.status === 401 ? ': the credentials were refused' : ''})`, res.status);
    }
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse((await readBounded(res, MAX_TOKEN_RESPONSE_BYTES, `${where}: the token endpoint's answer`)).toString('utf8'));
    } catch (err) {
      if (err instanceof RegistryError) throw err;
      throw new RegistryError(`${where}: the token endpoint ${url.origin}${url.pathname} answered something that is not JSON`);
    }
    const token = typeof body.token === 'string' && body.token ? body.token : body.access_token;
    if (typeof token !== 'string' || token === '') throw new RegistryError(`${where}: the token endpoint ${url.origin}${url.pathname} answered without a token`);
    const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_SECONDS;
    this.cache.set(key, { token, until: this.now() + Math.max(0, seconds - EARLY_SECONDS) * 1000 });
    return token;
  }

  /** Drops every cached token (a registry refused one before it expired). */
  forget(): void {
    this.cache.clear();
  }

  private realmUrl(realm: string, where: string): URL {
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new RegistryError(`${where}: the registry's token realm is not a URL`);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.insecure)) {
      throw new RegistryError(`${where}: the registry's token realm ${url.origin} is not HTTPS (--insecure allows plain HTTP)`);
    }
    return url;
  }
}

/** The `Authorization` value of HTTP Basic for these credentials. */
export function basicAuthorization(c: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`;
}

/** The reason a fetch failed, from undici's `cause` (ECONNREFUSED, a TLS error…). */
export function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}
