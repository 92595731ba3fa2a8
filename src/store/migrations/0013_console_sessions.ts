import type { Kysely, Migration } from 'kysely';

/**
 * Web console sessions (`domain/console-session.ts`): the SHA-256 of the session token (hex)
 * → account, AccessKey and times (epoch ms, bigint on PostgreSQL). The two time indexes serve
 * the bounded prune of expired and idle sessions; the AccessKey's, the cap on its sessions.
 */
export function consoleSessions(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.createTable('console_sessions')
        .addColumn('token_digest', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('access_key_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('console_sessions_expiry').on('console_sessions').columns(['expires_at']).execute();
      await db.schema.createIndex('console_sessions_idle').on('console_sessions').columns(['last_used_at']).execute();
      // A sign-in ends its AccessKey's sessions past the newest 50 (`endOldest`).
      await db.schema.createIndex('console_sessions_key').on('console_sessions').columns(['access_key_id', 'created_at']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('console_sessions').execute();
    },
  };
}
