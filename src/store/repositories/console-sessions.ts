import { sql } from 'kysely';
import type { ConsoleSession, ConsoleSessionRepository } from '../../domain/console-session.js';
import type { ConsoleSessionsTable } from '../schema.js';
import type { RepoContext } from './context.js';

function fromRow(r: ConsoleSessionsTable): ConsoleSession {
  return {
    tokenDigest: r.token_digest,
    accountId: r.account_id,
    accessKeyId: r.access_key_id,
    createdAt: Number(r.created_at),
    lastUsedAt: Number(r.last_used_at),
    expiresAt: Number(r.expires_at),
  };
}

/**
 * Console sessions (table `console_sessions`, migration 0013). Every call is one statement,
 * atomic on its own. `touch` and `prune` are unsynced (`ctx.unsynced`): a lost last-use time
 * only makes a session look idle earlier, and a lost prune is done again; creating and ending
 * a session are flushed like any write (a sign-out must hold after a machine crash).
 */
export function consoleSessionRepository(ctx: RepoContext): ConsoleSessionRepository {
  return {
    async create(s) {
      await ctx.db.insertInto('console_sessions').values({
        token_digest: s.tokenDigest,
        account_id: s.accountId,
        access_key_id: s.accessKeyId,
        created_at: s.createdAt,
        last_used_at: s.lastUsedAt,
        expires_at: s.expiresAt,
      }).execute();
    },

    async getLive(tokenDigest, now) {
      const row = await ctx.db.selectFrom('console_sessions').selectAll()
        .where('token_digest', '=', tokenDigest).where('expires_at', '>', now).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },

    async touch(tokenDigest, now, notAfter) {
      const r = await ctx.unsynced((db) => db.updateTable('console_sessions').set({ last_used_at: now })
        .where('token_digest', '=', tokenDigest).where('last_used_at', '<=', notAfter).executeTakeFirst());
      return Number(r.numUpdatedRows) > 0;
    },

    async end(tokenDigest) {
      const r = await ctx.db.deleteFrom('console_sessions').where('token_digest', '=', tokenDigest).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

    async endOldest(accessKeyId, keep) {
      const r = await ctx.db.deleteFrom('console_sessions').where('access_key_id', '=', accessKeyId)
        .where('token_digest', 'not in', (eb) => eb.selectFrom('console_sessions').select('token_digest')
          .where('access_key_id', '=', accessKeyId).orderBy('created_at', 'desc').orderBy('token_digest').limit(keep))
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },

    async prune(now, idleCutoff, limit) {
      // Bounded (each index gives at most `limit` candidates), so one prune never holds the
      // write lock for long however many sessions piled up.
      const result = await ctx.unsynced((db) => sql`
        delete from console_sessions where token_digest in (
          select token_digest from (
            select token_digest from console_sessions where expires_at <= ${now} order by expires_at limit ${limit}
          ) as expired
          union
          select token_digest from (
            select token_digest from console_sessions where last_used_at <= ${idleCutoff} order by last_used_at limit ${limit}
          ) as idle
        )`.execute(db));
      return Number(result.numAffectedRows ?? 0n);
    },
  };
}
