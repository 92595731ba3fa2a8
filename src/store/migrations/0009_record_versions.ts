import type { Kysely, Migration } from 'kysely';

/**
 * Versioned records (see `records/`): `spec` of pipelines, components and images was the whole
 * domain object as JSON; it becomes version 1 of the entity's record, `{"v":1,…}`, without the
 * fields the row's columns own (they were copies) and without what lives elsewhere (a
 * template's or component's empty `tags`, which the tags table holds; an image's
 * `imageOwnerAlias`, which depends on who reads it). Nothing else changes: the readers check
 * every row against version 1.
 *
 * The field lists are frozen here, as the previous version wrote them; a later record version
 * gets a migration of its own.
 */
const DROPPED: Record<Table, readonly string[]> = {
  pipelines: ['id', 'accountId', 'regionId', 'name', 'resourceGroupId', 'creationTime', 'tags'],
  components: ['id', 'accountId', 'regionId', 'name', 'componentVersion', 'componentType', 'systemType', 'owner', 'resourceGroupId', 'creationTime', 'tags'],
  images: ['imageId', 'accountId', 'regionId', 'imageName', 'imageFamily', 'creationTime', 'manifestDigest', 'imageOwnerAlias'],
};

type Table = 'pipelines' | 'components' | 'images';
type Spec = Record<string, unknown>;

/** Rows are rewritten in pages of this many (ordered by id), so a large table is never read whole. */
const BATCH = 500;

export function recordVersions(): Migration {
  return {
    async up(db: Kysely<any>) {
      for (const table of Object.keys(DROPPED) as Table[]) {
        await rewrite(db, table, [], (_row, spec) => {
          if ('v' in spec) return undefined;
          const out: Spec = { v: 1 };
          for (const [k, value] of Object.entries(spec)) if (!DROPPED[table].includes(k)) out[k] = value;
          return out;
        });
      }
    },
    async down(db: Kysely<any>) {
      await rewrite(db, 'pipelines', ['account_id', 'region_id', 'name', 'resource_group_id', 'creation_time'], (r, { v: _v, ...spec }) => ({
        id: r.id, accountId: r.account_id, regionId: r.region_id, name: r.name, ...spec,
        resourceGroupId: r.resource_group_id, tags: [], creationTime: r.creation_time,
      }));
      await rewrite(db, 'components', ['account_id', 'region_id', 'name', 'version', 'component_type', 'system_type', 'owner', 'resource_group_id', 'creation_time'], (r, { v: _v, ...spec }) => ({
        id: r.id, accountId: r.account_id, regionId: r.region_id, name: r.name,
        systemType: r.system_type, componentType: r.component_type, componentVersion: r.version, ...spec,
        owner: r.owner, ...(r.resource_group_id === null ? {} : { resourceGroupId: r.resource_group_id }), tags: [], creationTime: r.creation_time,
      }));
      await rewrite(db, 'images', ['account_id', 'region_id', 'name', 'family', 'creation_time', 'manifest_digest'], (r, { v: _v, ...spec }) => ({
        imageId: r.id, regionId: r.region_id, accountId: r.account_id, imageName: r.name,
        ...(r.family === null ? {} : { imageFamily: r.family }), imageOwnerAlias: 'self', ...spec, creationTime: r.creation_time,
        ...(r.manifest_digest === null ? {} : { manifestDigest: r.manifest_digest }),
      }));
    },
  };
}

/**
 * Replaces each row's spec with `change(row, spec)`; `undefined` leaves the row as it is.
 * PostgreSQL runs the whole migration in one transaction; SQLite runs migrations outside one,
 * so each page is a transaction of its own there (one commit a page, not one a row). A run
 * cut short on SQLite is finished by the next start: `up` skips the rows already rewritten.
 */
async function rewrite(db: Kysely<any>, table: Table, columns: string[], change: (row: Record<string, any>, spec: Spec) => Spec | undefined): Promise<void> {
  const atomically = <T>(fn: (tx: Kysely<any>) => Promise<T>): Promise<T> => (db.isTransaction ? fn(db) : db.transaction().execute(fn));
  let after = '';
  for (;;) {
    const rows = await db.selectFrom(table).select(['id', 'spec', ...columns]).where('id', '>', after).orderBy('id').limit(BATCH).execute() as Array<Record<string, any>>;
    await atomically(async (tx) => {
      for (const row of rows) {
        const next = change(row, JSON.parse(row.spec as string) as Spec);
        if (next) await tx.updateTable(table).set({ spec: JSON.stringify(next) }).where('id', '=', row.id).execute();
      }
    });
    if (rows.length < BATCH) return;
    after = rows[rows.length - 1]!.id as string;
  }
}
