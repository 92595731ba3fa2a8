import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { SignatureNonceRepository } from '../../domain/ports.js';
import type { RepoContext } from './context.js';

/**
 * Signature nonces (table `signature_nonces`, migration 0005). Each call is one statement,
 * atomic by the primary key on its own: of concurrent claims of one nonce — in this process or
 * another — exactly one inserts (a PostgreSQL upsert meeting an uncommitted insert of the same
 * key waits for it and then takes the conflict path; SQLite writers hold the file's write lock).
 *
 * Both go through `ctx.unsynced` (a commit that is not flushed on its own): a claim comes
 * with every request, reads included, and an fsync per request would cost more than the rest of
 * the request. An unsynced claim survives a crash of Kiln (the replay after a `kill -9` is
 * refused); a machine crash can lose it only together with every later unflushed commit, so
 * the claim of any request whose writes were acknowledged is never lost (they were flushed
 * after it).
 */
export function signatureNonceRepository(ctx: RepoContext): SignatureNonceRepository {
  return {
    async claim(accessKeyId, nonce, expiresAt, now) {
      // Inserts, or takes over a record that has expired; returns a row only in those two cases.
      // A SQL template (the same on both databases), not the builder: this runs on every
      // request, and building the upsert cost a third of the claim.
      const { rows } = await ctx.unsynced((db) => sql<{ expires_at: number }>`
        insert into signature_nonces (access_key_id, nonce_digest, expires_at)
        values (${accessKeyId}, ${nonceDigest(nonce)}, ${expiresAt})
        on conflict (access_key_id, nonce_digest) do update set expires_at = excluded.expires_at
          where signature_nonces.expires_at <= ${now}
        returning expires_at`.execute(db));
      return rows.length > 0;
    },

    async pruneExpired(cutoff, limit) {
      // A bounded delete (the oldest `limit` expired records, by the expiry index), so one prune
      // never holds the write lock for long however many records piled up.
      const result = await ctx.unsynced((db) => sql`
        delete from signature_nonces
        where expires_at <= ${cutoff}
          and (access_key_id, nonce_digest) in (
            select access_key_id, nonce_digest from signature_nonces
            where expires_at <= ${cutoff} order by expires_at limit ${limit})`.execute(db));
      return Number(result.numAffectedRows ?? 0n);
    },
  };
}

function nonceDigest(nonce: string): string {
  return createHash('sha256').update(nonce, 'utf8').digest('hex');
}
