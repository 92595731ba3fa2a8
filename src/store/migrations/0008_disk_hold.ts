import type { Kysely, Migration } from 'kysely';

/**
 * Host disk room held for a large build (see `admitOnHostDisk` in `domain/fair-queue.ts`).
 *
 * On `executions`: `disk_passed_over` counts the claims that went to another build on a host
 * disk while this one, next in its account, waited there for room. Past the worker's
 * `KILN_HOST_DISK_HOLD_AFTER` it holds the room it needs: smaller builds stop taking it.
 */
export function diskHold(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('executions').addColumn('disk_passed_over', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('executions').dropColumn('disk_passed_over').execute();
    },
  };
}
