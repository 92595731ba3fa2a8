import type { Kysely, Migration } from 'kysely';

/**
 * Versioned records (see `records/`): `spec` of pipelines, components and images was the whole
 * domain object as JSON; it becomes version 1 of the entity's record, `{"v":1,…}`: the same
 * object without what lives elsewhere (a template's or component's empty `tags`, which the tags
 * table holds; an image's `imageOwnerAlias`, which depends on who reads it). The columns are
 * left as they are (the previous version wrote them from the same object). Nothing else
 * changes: the readers check every row against version 1.
 *
 * What is dropped and restored is frozen here, as the previous version wrote it; a later record
 * version gets a migration of its own.
 */
const DROPPED: Record<Table, string> = { pipelines: 'tags', components: 'tags', images: 'imageOwnerAlias' };

/** What `down` puts back of `DROPPED`: the previous version's empty tag list, and the owner's alias. */
const RESTORED: Record<Table, Spec> = { pipelines: { tags: [] }, components: { tags: [] }, images: { imageOwnerAlias: 'self' } };

type Table = 'pipelines' | 'components' | 'images';
type Spec = Record<string, unknown>;

/** Rows are rewritten in pages of this many (ordered by id), so a large table is never read whole. */
const BATCH = 500;

export function recordVersions(): Migration {
  return {
    async up(db: Kysely<any>) {
      for (const table of Object.keys(DROPPED) as Table[]) {
        await rewrite(db, table, (spec) => {
          if ('v' in spec) return undefined;
          const { [DROPPED[table]]: _dropped, ...rest } = spec;
          return { v: 1, ...rest };
        });
      }
    },
    async down(db: Kysely<any>) {
      for (const table of Object.keys(DROPPED) as Table[]) {
        await rewrite(db, table, ({ v: _v, ...spec }) => ({ ...spec, ...RESTORED[table] }));
      }
    },
  };
}

/**
 * Replaces each row's spec with `change(spec)`; `undefined` leaves the row as it is.
 * PostgreSQL runs the whole migration in one transaction; SQLite runs migrations outside one,
 * so each page is a transaction of its own there (one commit a page, not one a row). A run
 * cut short on SQLite is finished by the next start: `up` skips the rows already rewritten.
 */
async function rewrite(db: Kysely<any>, table: Table, change: (spec: Spec) => Spec | undefined): Promise<void> {
  const atomically = <T>(fn: (tx: Kysely<any>) => Promise<T>): Promise<T> => (db.isTransaction ? fn(db) : db.transaction().execute(fn));
  let after = '';
  for (;;) {
    const rows = await db.selectFrom(table).select(['id', 'spec']).where('id', '>', after).orderBy('id').limit(BATCH).execute() as Array<Record<string, any>>;
    await atomically(async (tx) => {
      for (const row of rows) {
        const next = change(JSON.parse(row.spec as string) as Spec);
        if (next) await tx.updateTable(table).set({ spec: JSON.stringify(next) }).where('id', '=', row.id).execute();
      }
    });
    if (rows.length < BATCH) return;
    after = rows[rows.length - 1]!.id as string;
  }
}
