import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { createStore } from '../../src/store/create-store.js';
import { minimalPipeline, newScope } from './helpers.js';
import { storeSuite } from './suite.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

storeSuite('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-store-'));
  return {
    name: 'sqlite',
    url: `sqlite:${join(dir, 'kiln.db')}`,
    dataDir: dir,
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('sqlite specifics', () => {
  it('opens <dataDir>/kiln.db by default (creating the folder) in WAL mode', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiln-store-'));
    try {
      const dataDir = join(dir, 'nested', 'data');
      const store = await createStore({ dataDir });
      const scope = newScope();
      await store.pipelines.insert(minimalPipeline(scope), []);
      await store.close();
      const file = join(dataDir, 'kiln.db');
      assert.ok(existsSync(file));
      const raw = new Database(file, { readonly: true });
      try {
        assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
        assert.equal(raw.prepare('select count(*) as n from pipelines').get() !== undefined, true);
      } finally {
        raw.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('accepts :memory: (private to the store)', async () => {
    const a = await createStore({ databaseUrl: ':memory:', dataDir: '/nonexistent' });
    const b = await createStore({ databaseUrl: ':memory:', dataDir: '/nonexistent' });
    const scope = newScope();
    await a.pipelines.insert(minimalPipeline(scope), []);
    assert.equal(await a.pipelines.count(scope), 1);
    assert.equal(await b.pipelines.count(scope), 0);
    await a.close();
    await b.close();
  });

  it('rejects an unknown URL scheme without echoing credentials', async () => {
    await assert.rejects(createStore({ databaseUrl: 'mysql://user:pw@host/db', dataDir: '/tmp' }), (e: Error) => {
      assert.doesNotMatch(e.message, /pw/);
      return true;
    });
  });

  it('loses no acknowledged write when the process is killed (SIGKILL)', async () => {
    await killWhileInserting(1);
  });

  it('loses no acknowledged write of concurrent (group-committed) transactions when the process is killed', async () => {
    await killWhileInserting(8);
  });
});

/**
 * Runs the durability child with `workers` concurrent insert loops, SIGKILLs it once it has
 * acknowledged 60 inserts, and checks that every acknowledged template is in the database.
 */
async function killWhileInserting(workers: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-durable-'));
  const url = `sqlite:${join(dir, 'kiln.db')}`;
  const scope = newScope();
  try {
    // Migrate first so the child only inserts.
    await (await createStore({ databaseUrl: url, dataDir: dir })).close();
    const printed: string[] = [];
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'durability-child.ts'), url, scope.accountId, String(workers)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => { stderr += c; });
    const killed = await new Promise<NodeJS.Signals | null>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buf += chunk.toString();
        const lines = buf.split('\n');
        buf = lines.pop()!;
        printed.push(...lines.filter(Boolean));
        if (printed.length >= 60 && !child.killed) child.kill('SIGKILL');
      });
      child.on('error', reject);
      child.on('close', (code, signal) => (signal ? resolve(signal) : reject(new Error(`child exited ${code}: ${stderr}`))));
    });
    assert.equal(killed, 'SIGKILL');
    assert.ok(printed.length >= 60, `child printed ${printed.length} ids`);

    const store = await createStore({ databaseUrl: url, dataDir: dir });
    try {
      for (const id of printed) {
        const p = await store.pipelines.get(scope, id);
        assert.ok(p, `acknowledged template ${id} is missing after the kill`);
        assert.equal(p.tags.length, 1);
      }
      assert.ok(await store.pipelines.count(scope) >= printed.length);
      assert.equal(await store.pipelines.referencesComponent('ic-durable'), true);
    } finally {
      await store.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
