import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { ConsoleSession, ConsoleSessionRepository } from '../domain/console-session.js';
import { fault } from '../domain/errors.js';
import { SignInThrottle } from './sign-in-throttle.js';

/** What a session needs of an AccessKey (the RPC path's lookup: `api/rpc/access-key-cache.ts`). */
export interface SessionKey {
  secret: string;
  accountId: string;
  status: string;
}

export interface ConsoleSessionsDeps {
  sessions: ConsoleSessionRepository;
  findAccessKey(id: string): Promise<SessionKey | undefined>;
  /** Compares two secrets in constant time (`api/rpc/constant-time.ts`). */
  secretsEqual(a: string, b: string): boolean;
  idleTimeoutSeconds: number;
  maxLifetimeSeconds: number;
  /** Clock in epoch ms (tests drive it). */
  now?: () => number;
  throttle?: SignInThrottle;
}

/** A live session with what the session routes answer. */
export interface LiveSession {
  session: ConsoleSession;
  csrfToken: string;
}

/** Session tokens are 32 random bytes, base64url (43 characters). */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
/** The last use is written at most this often per session, so reads stay reads. */
const TOUCH_INTERVAL_MS = 30_000;
/** Most expired sessions one sign-in deletes. */
const PRUNE_LIMIT = 100;
/** Live sessions one AccessKey holds at most: a sign-in past that ends the key's oldest. */
export const SESSIONS_PER_KEY = 50;
/** Compared against when the AccessKey id is unknown, so both failures take the same path. */
const NO_SECRET = randomBytes(24).toString('base64url');

export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The CSRF token of a session: HMAC-SHA256 keyed by the session token, base64url. */
export function csrfTokenOf(token: string): string {
  return createHmac('sha256', token).update('kiln-console-csrf').digest('base64url');
}

/**
 * Web console sessions: sign-in with an AccessKey pair, a session per sign-in kept in the store
 * as the SHA-256 of its token, idle and absolute expiry, and the AccessKey re-checked at every
 * use (disabled or deleted: the session ends).
 */
export class ConsoleSessions {
  readonly #deps: ConsoleSessionsDeps;
  readonly #now: () => number;
  readonly #idleMs: number;
  readonly #maxMs: number;
  readonly #touchMs: number;
  readonly #throttle: SignInThrottle;

  constructor(deps: ConsoleSessionsDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#idleMs = deps.idleTimeoutSeconds * 1000;
    this.#maxMs = deps.maxLifetimeSeconds * 1000;
    // A short idle timeout (tests, strict deployments) needs fresher last-use times.
    this.#touchMs = Math.min(TOUCH_INTERVAL_MS, Math.floor(this.#idleMs / 4));
    this.#throttle = deps.throttle ?? new SignInThrottle({ now: this.#now });
  }

  get idleTimeoutSeconds(): number {
    return this.#idleMs / 1000;
  }

  /**
   * Checks an AccessKey pair and opens a session; returns its token (for the cookie).
   * Unknown id and wrong secret are one answer, `Console.SignInFailed`; a disabled key is
   * `InvalidAccessKeyId.Inactive`, told only to whoever knows its secret. Failures count
   * against the client address and the id (`Throttling.SignIn` past the limit).
   */
  async signIn(accessKeyId: string, secret: string, clientAddress: string): Promise<LiveSession & { token: string }> {
    const throttleKeys = [`address\u0000${clientAddress}`, `key\u0000${accessKeyId}`];
    this.#throttle.check(throttleKeys);
    // Counted as a failure before the lookup awaits, taken back once the secret matched: a
    // burst of concurrent attempts sees each other, so it gets no more tries than the limit.
    const attempt = this.#throttle.fail(throttleKeys);
    let key: SessionKey | undefined;
    try {
      key = accessKeyId === '' ? undefined : await this.#deps.findAccessKey(accessKeyId);
    } catch (err) {
      this.#throttle.forgive(throttleKeys, attempt);
      throw err;
    }
    const matches = this.#deps.secretsEqual(secret, key?.secret ?? NO_SECRET);
    if (key === undefined || !matches) throw fault('Console.SignInFailed');
    this.#throttle.forgive(throttleKeys, attempt);
    if (key.status !== 'Active') throw fault('InvalidAccessKeyId.Inactive');
    const now = this.#now();
    await this.#deps.sessions.prune(now, now - this.#idleMs, PRUNE_LIMIT);
    const token = randomBytes(32).toString('base64url');
    const session: ConsoleSession = {
      tokenDigest: tokenDigest(token),
      accountId: key.accountId,
      accessKeyId,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: now + this.#maxMs,
    };
    await this.#deps.sessions.create(session);
    // However often a key signs in (a script, a leaked pair), its sessions stay a bounded number of rows.
    await this.#deps.sessions.endOldest(accessKeyId, SESSIONS_PER_KEY);
    return { token, session, csrfToken: csrfTokenOf(token) };
  }

  /**
   * The live session of a token, its idle timer refreshed; `Console.SessionRequired` when there
   * is none: unknown, signed out, idle too long, past its lifetime, or its AccessKey is no
   * longer Active (the session is then ended in the store).
   */
  async resume(token: string | undefined): Promise<LiveSession> {
    if (token === undefined || !TOKEN.test(token)) throw fault('Console.SessionRequired');
    const digest = tokenDigest(token);
    const now = this.#now();
    const session = await this.#deps.sessions.getLive(digest, now);
    if (session === undefined) throw fault('Console.SessionRequired');
    const key = now - session.lastUsedAt < this.#idleMs ? await this.#deps.findAccessKey(session.accessKeyId) : undefined;
    if (key === undefined || key.status !== 'Active' || key.accountId !== session.accountId) {
      await this.#deps.sessions.end(digest);
      throw fault('Console.SessionRequired');
    }
    if (now - session.lastUsedAt >= this.#touchMs) {
      await this.#deps.sessions.touch(digest, now, now - this.#touchMs);
      session.lastUsedAt = now;
    }
    return { session, csrfToken: csrfTokenOf(token) };
  }

  /** Ends the session of a token (no-op when there is none). */
  async signOut(token: string | undefined): Promise<void> {
    if (token !== undefined && TOKEN.test(token)) await this.#deps.sessions.end(tokenDigest(token));
  }
}
