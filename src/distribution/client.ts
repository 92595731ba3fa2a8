import type { Challenge } from './challenge.js';
import { parseChallenge } from './challenge.js';
import type { RegistryCredentials } from './credentials.js';
import { RegistryError, statusMeaning } from './errors.js';
import { basicAuthorization, causeOf, TokenSource } from './token.js';

/** How to reach a registry. */
export interface RegistryOptions {
  /** `host[:port]`. */
  registry: string;
  /** Plain HTTP instead of HTTPS (and HTTP token realms). */
  insecure?: boolean;
  credentials?: RegistryCredentials;
  /** Pauses between retries of a safe request (tests pass a short one). */
  retryDelayMs?: number;
}

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'PUT';
  /** A path under the registry's origin (`/v2/…`), or an absolute URL the registry gave (an upload's Location). */
  path: string;
  /** The token scopes the request needs (`repository:team/app:pull,push`). */
  scopes: readonly string[];
  /** The repository, for messages. */
  repository: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Sent again after a network error, 429 or 502-504: only for requests that may be repeated. */
  idempotent?: boolean;
}

const RETRIED_STATUSES = new Set([429, 502, 503, 504]);
const ATTEMPTS = 3;

/**
 * One registry's HTTP API (`/v2/`): each request carries the authorization the registry asked
 * for. A 401 is answered once per request from its `WWW-Authenticate` challenge (Basic with the
 * credentials, or a Bearer token for the request's scopes from the token endpoint, cached per
 * scope); afterwards requests are authorized up front. Safe requests are retried on transient
 * failures. Failures are `RegistryError`s naming the registry and repository.
 */
export class RegistryClient {
  readonly registry: string;
  readonly origin: string;
  private challenge: Challenge | undefined;
  private readonly tokens: TokenSource;

  constructor(private readonly o: RegistryOptions) {
    this.registry = o.registry;
    this.origin = `${o.insecure ? 'http' : 'https'}://${o.registry}`;
    this.tokens = new TokenSource(o.credentials, o.insecure ?? false);
  }

  /** `GET /v2/`: the registry speaks the distribution API; learns its auth challenge. */
  async ping(): Promise<void> {
    const res = await this.send({ method: 'GET', path: '/v2/', scopes: [], repository: '' }, undefined);
    await res.body?.cancel();
    if (res.status === 401) {
      this.challenge = parseChallenge(res.headers.get('www-authenticate')) ?? this.challenge;
      return;
    }
    if (!res.ok) throw new RegistryError(`${this.registry}: GET /v2/: ${statusMeaning(res.status)}; is it an OCI distribution registry?`, res.status);
  }

  /** Sends `req` with authorization; answers the registry's challenge once. Returns any response with a status below 400, else throws. */
  async request(req: RegistryRequest, accept: (status: number) => boolean = (s) => s < 400): Promise<Response> {
    let res = await this.send(req, await this.authorization(req));
    if (res.status === 401) {
      const challenge = parseChallenge(res.headers.get('www-authenticate'));
      await res.body?.cancel();
      if (!challenge) throw this.refusal(req, 401, 'the registry asks for an authentication scheme Kiln does not speak');
      this.challenge = challenge;
      this.tokens.forget();
      res = await this.send(req, await this.authorization(req));
    }
    if (accept(res.status)) return res;
    await res.body?.cancel();
    throw this.refusal(req, res.status);
  }

  /** The URL of a path or a registry-given location (relative locations resolve against the registry's origin). */
  url(pathOrLocation: string): URL {
    const url = new URL(pathOrLocation, this.origin);
    if (url.origin !== this.origin) throw new RegistryError(`${this.registry}: the registry sent a location on another origin (${url.origin})`);
    return url;
  }

  private where(req: RegistryRequest): string {
    return req.repository ? `${this.registry}/${req.repository}` : this.registry;
  }

  private refusal(req: RegistryRequest, status: number, detail?: string): RegistryError {
    const noCreds = status === 401 && !this.o.credentials ? ' (no credentials were given: --authfile, --username with --password-stdin, or ~/.docker/config.json)' : '';
    return new RegistryError(`${this.where(req)}: ${req.method} ${this.url(req.path).pathname}: ${detail ?? statusMeaning(status)}${noCreds}`, status);
  }

  private async authorization(req: RegistryRequest): Promise<string | undefined> {
    const c = this.challenge;
    if (!c) return undefined;
    if (c.scheme === 'basic') {
      if (!this.o.credentials) throw this.refusal(req, 401);
      return basicAuthorization(this.o.credentials);
    }
    return `Bearer ${await this.tokens.token(c, req.scopes, this.where(req))}`;
  }

  private async send(req: RegistryRequest, authorization: string | undefined): Promise<Response> {
    const headers: Record<string, string> = { ...req.headers };
    if (authorization) headers.authorization = authorization;
    const attempts = req.idempotent || req.method === 'GET' || req.method === 'HEAD' ? ATTEMPTS : 1;
    for (let attempt = 1; ; attempt++) {
      let res: Response | undefined;
      try {
        res = await fetch(this.url(req.path), { method: req.method, headers, ...(req.body ? { body: new Uint8Array(req.body.buffer as ArrayBuffer, req.body.byteOffset, req.body.byteLength) } : {}), redirect: 'follow' });
      } catch (err) {
        if (err instanceof RegistryError) throw err;
        if (attempt >= attempts) throw new RegistryError(`${this.where(req)}: ${req.method} ${this.url(req.path).pathname}: the registry cannot be reached: ${causeOf(err)}`);
      }
      if (res && (!RETRIED_STATUSES.has(res.status) || attempt >= attempts)) return res;
      await res?.body?.cancel();
      await new Promise((r) => setTimeout(r, (this.o.retryDelayMs ?? 500) * attempt));
    }
  }
}
