import { Migrator, type CreateTableBuilder, type Kysely, type Migration } from 'kysely';
import { StoreError } from '../errors.js';
import { initial } from './0001_initial.js';
import { executions } from './0002_executions.js';
import { images } from './0003_images.js';
import { stepCache } from './0004_step_cache.js';
import { nonces } from './0005_nonces.js';
import { fairQueue } from './0006_fair_queue.js';
import { storageQuotas } from './0007_storage_quotas.js';
import { diskHold } from './0008_disk_hold.js';
import { recordVersions } from './0009_record_versions.js';
import { tasks } from './0010_tasks.js';
import { sharedHostRecords } from './0012_shared_host_records.js';
import { consoleSessions } from './0013_console_sessions.js';

/** What a migration may ask of the dialect (the only DDL that differs between SQLite and PostgreSQL). */
export interface SchemaHelpers {
  seqColumn<T extends string, C extends string>(table: CreateTableBuilder<T, C>): CreateTableBuilder<T, C | 'seq'>;
}

/**
 * The migrations, in order. Add a migration as `NNNN_name.ts` exporting a factory and list it
 * here: names sort in application order, and an applied migration is never edited.
 */
export function migrations(h: SchemaHelpers): Record<string, Migration> {
  return {
    '0001_initial': initial(h),
    '0002_executions': executions(),
    '0003_images': images(),
    '0004_step_cache': stepCache(),
    '0005_nonces': nonces(),
    '0006_fair_queue': fairQueue(),
    '0007_storage_quotas': storageQuotas(),
    '0008_disk_hold': diskHold(),
    '0009_record_versions': recordVersions(),
    '0010_tasks': tasks(),
    '0012_shared_host_records': sharedHostRecords(),
    '0013_console_sessions': consoleSessions(),
  };
}

/**
 * Applies every pending migration (a no-op when the database is current). Kysely records
 * applied migrations in `kysely_migration` and holds a lock while it runs (an advisory lock on
 * PostgreSQL; the single connection, in a BEGIN IMMEDIATE transaction, on SQLite), so
 * concurrent starts on one database are safe.
 */
export async function migrateToLatest(db: Kysely<any>, h: SchemaHelpers): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations(h) },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new StoreError('Store.MigrationFailed', `Database migration ${failed ?? '(setup)'} failed.`, { cause: error });
  }
}
