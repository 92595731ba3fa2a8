import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Migrator, type Kysely } from 'kysely';
import type { ImageComponent } from '../../src/domain/component.js';
import type { Image } from '../../src/domain/image.js';
import type { ImagePipeline } from '../../src/domain/pipeline.js';
import type { Store } from '../../src/domain/ports.js';
import type { Tag } from '../../src/domain/tag.js';
import { createStore } from '../../src/store/create-store.js';
import { openDialect } from '../../src/store/dialect.js';
import { migrations } from '../../src/store/migrations/index.js';
import { pipelineToRow } from '../../src/store/records/pipeline-record.js';
import { StoreRecordError } from '../../src/store/records/record-error.js';
import { ACCOUNT, ROWS_BEFORE_0009, SHARED_WITH } from './fixtures/rows-before-0009.js';
import { FRESH_DATABASES } from './fresh-databases.js';
import type { Backend } from './helpers.js';

const PREVIOUS = '0008_disk_hold';
const scope = { accountId: ACCOUNT, regionId: 'cn-hangzhou' };

/** Tables as raw rows: the test writes what an older Kiln wrote, and damage. */
type Untyped = Record<string, Record<string, unknown>>;

/** Runs `fn` on a connection of its own to the backend's database (no store, no migration). */
async function raw<T>(backend: Backend, fn: (db: Kysely<Untyped>) => Promise<T>): Promise<T> {
  const dialect = openDialect({ databaseUrl: backend.url, dataDir: backend.dataDir });
  try {
    return await fn(dialect.db as unknown as Kysely<Untyped>);
  } finally {
    await dialect.close();
  }
}

/** Migrates up or down to `name`, as a Kiln whose last migration it is would leave the database. */
async function migrateTo(backend: Backend, name: string): Promise<void> {
  const dialect = openDialect({ databaseUrl: backend.url, dataDir: backend.dataDir });
  try {
    const { error } = await new Migrator({ db: dialect.db, provider: { getMigrations: async () => migrations(dialect) } }).migrateTo(name);
    if (error) throw error;
  } finally {
    await dialect.close();
  }
}

/** The stored tags of a resource, in their order. */
function tagsOf(id: string): Tag[] {
  return ROWS_BEFORE_0009.tags.filter((t) => t.resource_id === id).map((t) => ({ key: t.tag_key, value: t.tag_value }));
}

const specOf = (rows: readonly { id: string; spec: string }[], id: string) => JSON.parse(rows.find((r) => r.id === id)!.spec) as Record<string, unknown>;

// What the previous version's repositories returned for these rows: the spec as the entity,
// with the tags table's tags (templates, components) or the reader's owner alias (images).
const pipeline = (id: string) => ({ ...specOf(ROWS_BEFORE_0009.pipelines, id), tags: tagsOf(id) }) as unknown as ImagePipeline;
const component = (id: string) => ({ ...specOf(ROWS_BEFORE_0009.components, id), tags: tagsOf(id) }) as unknown as ImageComponent;
const image = (id: string, alias: Image['imageOwnerAlias']) => ({ ...specOf(ROWS_BEFORE_0009.images, id), imageOwnerAlias: alias }) as unknown as Image;

/** Every entity of the fixture read through the repositories equals what the previous version read. */
async function assertReadsAsBefore(store: Store): Promise<void> {
  assert.deepStrictEqual(await store.pipelines.get(scope, 'ip-full'), pipeline('ip-full'));
  assert.deepStrictEqual((await store.pipelines.list(scope, { limit: 10 })).items, [pipeline('ip-full')]);
  assert.equal(await store.pipelines.referencesComponent('ic-a'), true);

  assert.deepStrictEqual(await store.components.get(scope, 'ic-a'), component('ic-a'));
  assert.deepStrictEqual(await store.components.get(scope, 'ic-b'), component('ic-b'));
  assert.deepStrictEqual((await store.components.list(scope, { limit: 10 })).items, [component('ic-a'), component('ic-b')]);
  assert.deepStrictEqual(await store.components.versionsOf(scope, 'comp'), [component('ic-a')]);
  assert.deepStrictEqual((await store.components.list({ ...scope, componentVersion: '1.2.*' }, { limit: 10 })).items, [component('ic-a')]);

  assert.deepStrictEqual(await store.images.getOwned(scope, 'm-a'), image('m-a', 'self'));
  assert.deepStrictEqual(await store.images.getOwned(scope, 'm-b'), image('m-b', 'self'));
  assert.deepStrictEqual(await store.images.listVisible(scope), [image('m-a', 'self'), image('m-b', 'self')]);
  assert.deepStrictEqual(await store.images.shares(scope, 'm-a'), SHARED_WITH);
  const other = { accountId: SHARED_WITH[0]!, regionId: scope.regionId };
  assert.deepStrictEqual(await store.images.getVisible(other, 'm-a'), image('m-a', 'others'));
  assert.deepStrictEqual(await store.images.listVisible(other), [image('m-a', 'others')]);
  assert.deepStrictEqual(await store.images.allManifestDigests(), [`sha256:${'a'.repeat(64)}`]);
  assert.equal(await store.images.nameTaken(scope, 'busybox-copy'), true);
}

/** The rejection of a read of a corrupt row: a `StoreRecordError` naming the table, the id and the field. */
function recordError(table: string, id: string, field: string) {
  return (e: unknown) => {
    assert.ok(!(e instanceof TypeError), `a TypeError escaped: ${(e as Error).stack}`);
    assert.ok(e instanceof StoreRecordError, `not a StoreRecordError: ${(e as Error).stack}`);
    assert.deepStrictEqual({ code: e.code, table: e.table, id: e.id, field: e.field }, { code: 'Store.InvalidRecord', table, id, field });
    assert.ok(e.message.includes(table) && e.message.includes(id) && e.message.includes(field), e.message);
    return true;
  };
}

for (const [name, fresh] of FRESH_DATABASES) {
  describe(`stored records on ${name}`, () => {
    let backend: Backend;
    let store: Store | undefined;

    before(async () => {
      backend = await fresh();
      await migrateTo(backend, PREVIOUS);
      await raw(backend, async (db) => {
        for (const [table, rows] of Object.entries(ROWS_BEFORE_0009)) await db.insertInto(table).values([...rows]).execute();
      });
    });

    after(async () => {
      await store?.close();
      await backend?.dispose();
    });

    it('rows written before migration 0009 read back as the same entities after it', async () => {
      store = await createStore({ databaseUrl: backend.url, dataDir: backend.dataDir });
      await assertReadsAsBefore(store);
      // Rewritten, not read around: every spec is a version 1 record of the whole entity, without
      // what lives elsewhere (tags in the tags table, the reader's owner alias).
      await raw(backend, async (db) => {
        for (const table of ['pipelines', 'components', 'images']) {
          for (const r of await db.selectFrom(table).select(['id', 'spec']).execute()) {
            const spec = JSON.parse(r.spec as string) as Record<string, unknown>;
            assert.equal(spec.v, 1, `${table} ${r.id}`);
            assert.equal(spec.id ?? spec.imageId, r.id, `${table} ${r.id}: ${r.spec}`);
            assert.equal('tags' in spec && table !== 'images', false, `${table} ${r.id}: ${r.spec}`);
            assert.equal('imageOwnerAlias' in spec, false, `${table} ${r.id}: ${r.spec}`);
          }
        }
      });
    });

    it('migrating back down to 0008 restores the specs the previous version wrote; up again, from a partly rewritten table, reads the same', async () => {
      await store?.close();
      store = undefined;
      await migrateTo(backend, PREVIOUS);
      await raw(backend, async (db) => {
        for (const table of ['pipelines', 'components', 'images'] as const) {
          const rows = await db.selectFrom(table).select(['id', 'spec']).orderBy('id').execute() as { id: string; spec: string }[];
          assert.deepStrictEqual(rows.map((r) => JSON.parse(r.spec)), ROWS_BEFORE_0009[table].map((r) => JSON.parse(r.spec)));
        }
      });
      // As a start cut short on SQLite leaves it: one row rewritten already; the next start finishes.
      await raw(backend, (db) => db.updateTable('pipelines').set({ spec: pipelineToRow(pipeline('ip-full')).spec }).where('id', '=', 'ip-full').execute());
      store = await createStore({ databaseUrl: backend.url, dataDir: backend.dataDir });
      await assertReadsAsBefore(store);
    });

    it('a row that does not fit its record is a StoreRecordError naming the table, the id and the field', async () => {
      const s = store!;
      const setSpec = (table: string, id: string, change: (spec: Record<string, unknown>) => unknown) => raw(backend, async (db) => {
        const row = await db.selectFrom(table).select('spec').where('id', '=', id).executeTakeFirstOrThrow();
        const next = change(JSON.parse(row.spec as string));
        await db.updateTable(table).set({ spec: typeof next === 'string' ? next : JSON.stringify(next) }).where('id', '=', id).execute();
      });

      await setSpec('pipelines', 'ip-full', (sp) => ({ ...sp, systemDiskSize: '120' }));
      await assert.rejects(s.pipelines.get(scope, 'ip-full'), recordError('pipelines', 'ip-full', 'spec.systemDiskSize'));
      await assert.rejects(s.pipelines.list(scope, { limit: 10 }), recordError('pipelines', 'ip-full', 'spec.systemDiskSize'));
      await setSpec('pipelines', 'ip-full', (sp) => ({ ...sp, systemDiskSize: 120, imageOptions: { ...(sp.imageOptions as object), imageTags: [{ value: 'kiln' }] } }));
      await assert.rejects(s.pipelines.get(scope, 'ip-full'), recordError('pipelines', 'ip-full', 'spec.imageOptions.imageTags[0].key'));

      await setSpec('components', 'ic-a', (sp) => ({ ...sp, colour: 'blue' }));
      await assert.rejects(s.components.versionsOf(scope, 'comp'), recordError('components', 'ic-a', 'spec.colour'));
      await setSpec('components', 'ic-b', (sp) => ({ ...sp, componentType: 'Deploy' }));
      await assert.rejects(s.components.get(scope, 'ic-b'), recordError('components', 'ic-b', 'spec.componentType'));
      // A spec that is not JSON, read in a list (no id asked for): the row is still named.
      await setSpec('components', 'ic-a', ({ colour: _colour, ...sp }) => sp);
      await setSpec('components', 'ic-b', () => '[');
      await assert.rejects(s.components.list(scope, { limit: 10 }), recordError('components', 'ic-b', 'spec'));

      // An unversioned spec (as before 0009) and one that is not JSON at all.
      await setSpec('images', 'm-b', () => ROWS_BEFORE_0009.images[1].spec);
      await assert.rejects(s.images.getOwned(scope, 'm-b'), recordError('images', 'm-b', 'spec.v'));
      await setSpec('images', 'm-a', () => '{"v":1,');
      await assert.rejects(s.images.getVisible({ accountId: SHARED_WITH[0]!, regionId: scope.regionId }, 'm-a'), recordError('images', 'm-a', 'spec'));
      await assert.rejects(s.images.listVisible(scope), recordError('images', 'm-a', 'spec'));
    });
  });
}
