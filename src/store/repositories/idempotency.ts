import { ecsTime } from '../../domain/time.js';
import type { IdempotencyRepository } from '../../domain/ports.js';
import { IdempotencyConflictError } from '../errors.js';
import type { RepoContext } from './context.js';
import { translating } from './translate.js';

export function idempotencyRepository(ctx: RepoContext): IdempotencyRepository {
  return {
    async get(accountId, action, clientToken) {
      const row = await ctx.db.selectFrom('idempotency').select(['params_digest', 'response'])
        .where('account_id', '=', accountId).where('action', '=', action).where('client_token', '=', clientToken)
        .executeTakeFirst();
      return row ? { paramsDigest: row.params_digest, response: row.response } : undefined;
    },

    /** Throws `IdempotencyConflictError` when a record for the same key exists (see its docs). */
    async put(accountId, action, clientToken, record) {
      await translating(
        ctx.db.insertInto('idempotency').values({
          account_id: accountId,
          action,
          client_token: clientToken,
          params_digest: record.paramsDigest,
          response: record.response,
          created_at: ecsTime(),
        }).execute(),
        { unique: (cause) => new IdempotencyConflictError(accountId, action, clientToken, { cause }) },
      );
    },
  };
}
