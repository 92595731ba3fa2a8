import { sql, type Kysely } from 'kysely';
import { migrations, type SchemaHelpers } from './migrations/index.js';
import type { DB } from './schema.js';

/**
 * Readiness of the database (the `StoreHealth` port): one indexed count over Kysely's
 * `kysely_migration` table, which is both the trivial query (the database answers) and the check
 * that every migration of this build is applied (a process of an older build that opened the
 * database before a newer one migrated it stays ready: migrations only add).
 */
export function storeUnreadyReason(db: Kysely<DB>, helpers: SchemaHelpers): () => Promise<string | undefined> {
  const known = Object.keys(migrations(helpers));
  return async () => {
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from kysely_migration where name in (${sql.join(known)})`.execute(db);
    const applied = Number(rows[0]?.n ?? 0);
    return applied === known.length ? undefined : 'migrations pending';
  };
}
