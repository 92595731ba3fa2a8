/**
 * A web console session (`/console`): the browser holds an opaque random token in a cookie;
 * the store keeps only the token's SHA-256, so a copy of the database gives no live session.
 * Times are epoch milliseconds.
 */
export interface ConsoleSession {
  /** SHA-256 of the session token, hex. */
  tokenDigest: string;
  accountId: string;
  /** The AccessKey signed in with: the session lives only while it exists and is Active. */
  accessKeyId: string;
  createdAt: number;
  /** Last use, written at most every few seconds (see `ConsoleSessionRepository.touch`). */
  lastUsedAt: number;
  /** Absolute end of the session, whatever its use. */
  expiresAt: number;
}

/** Console sessions in the store (migration 0013_console_sessions). */
export interface ConsoleSessionRepository {
  create(session: ConsoleSession): Promise<void>;
  /** The session with this digest when it exists and `expiresAt > now` (the idle check is the caller's). */
  getLive(tokenDigest: string, now: number): Promise<ConsoleSession | undefined>;
  /**
   * Records a use at `now` when the stored last use is at or before `notAfter` (a conditional
   * update: of concurrent touches one writes). True when it wrote. The caller touches only when
   * the session's last use is older than its write interval, so most reads stay reads.
   */
  touch(tokenDigest: string, now: number, notAfter: number): Promise<boolean>;
  /** Ends a session (sign-out, or its AccessKey is gone): the row is deleted. True when there was one. */
  end(tokenDigest: string): Promise<boolean>;
  /**
   * Deletes sessions (up to `limit` of each kind) past their absolute expiry (`expiresAt <= now`) or idle since
   * `idleCutoff` (`lastUsedAt <= idleCutoff`); returns how many.
   */
  prune(now: number, idleCutoff: number, limit: number): Promise<number>;
  /**
   * Ends the sessions of `accessKeyId` but its `keep` newest (by `createdAt`); returns how many
   * ended. A key's sign-ins then hold a bounded number of rows, however often it signs in.
   */
  endOldest(accessKeyId: string, keep: number): Promise<number>;
}
