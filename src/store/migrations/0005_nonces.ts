import type { Kysely, Migration } from 'kysely';

/**
 * Signature nonces seen per AccessKey, kept until the request they came with can no longer
 * pass the signature window (`expires_at`, epoch ms; bigint on PostgreSQL). The primary key
 * makes "insert if absent" one atomic statement for every process on the database. The nonce
 * is stored as its SHA-256 (hex): fixed size whatever the client sent, so a long nonce can
 * neither bloat the table nor exceed PostgreSQL's index entry limit.
 */
export function nonces(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.createTable('signature_nonces')
        .addColumn('access_key_id', 'text', (c) => c.notNull())
        .addColumn('nonce_digest', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('signature_nonces_pk', ['access_key_id', 'nonce_digest'])
        .execute();
      await db.schema.createIndex('signature_nonces_expiry').on('signature_nonces').columns(['expires_at']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('signature_nonces').execute();
    },
  };
}
