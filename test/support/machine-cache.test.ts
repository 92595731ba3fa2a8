import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { madeOncePerMachine, type MachineCacheEntry } from './machine-cache.js';

/*
 * The once-per-machine cache the VM base and the vendor disk of the tests share: made once by
 * concurrent callers, a dead maker's lock and work folder taken over, a failure leaving nothing.
 */

/** A pid no process has (above the kernel's pid_max). */
const DEAD_PID = 4_194_304 + 17;

describe('madeOncePerMachine', () => {
  let cacheDir: string;
  before(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'kiln-machine-cache-'));
  });
  after(async () => {
    await rm(cacheDir, { recursive: true, force: true });
  });

  /** An entry that is a file `<key>.txt`, counting how often it is made; `fail` makes its making throw half-way. */
  const fileEntry = (key: string, made: { count: number }, fail = false): MachineCacheEntry<string> => ({
    cacheDir,
    key,
    what: `the file ${key}`,
    find: async () => readFile(join(cacheDir, `${key}.txt`), 'utf8').catch(() => undefined),
    make: async (work) => {
      made.count++;
      await writeFile(join(work, 'part'), 'half');
      if (fail) throw new Error('making failed');
      await writeFile(join(work, 'part'), `made by ${process.pid}`);
      await rename(join(work, 'part'), join(cacheDir, `${key}.txt`));
    },
  });

  test('concurrent callers: made once, the others wait for it; then found without making; nothing else left', async () => {
    const made = { count: 0 };
    const results = await Promise.all([1, 2, 3].map(() => madeOncePerMachine(fileEntry('a', made))));
    assert.deepEqual(results, Array(3).fill(`made by ${process.pid}`));
    assert.equal(made.count, 1);
    assert.equal(await madeOncePerMachine(fileEntry('a', made)), `made by ${process.pid}`);
    assert.equal(made.count, 1);
    assert.deepEqual(await readdir(cacheDir), ['a.txt']);
  });

  test('a dead maker\'s lock and work folder are taken over; a live one\'s work folder is kept', async () => {
    await mkdir(join(cacheDir, 'b.lock'));
    await writeFile(join(cacheDir, 'b.lock', 'pid'), String(DEAD_PID));
    await mkdir(join(cacheDir, `b.tmp-${DEAD_PID}-0123abcd`));
    await mkdir(join(cacheDir, `c.tmp-${process.pid}-0123abcd`));
    const made = { count: 0 };
    assert.equal(await madeOncePerMachine(fileEntry('b', made)), `made by ${process.pid}`);
    assert.equal(made.count, 1);
    assert.deepEqual((await readdir(cacheDir)).sort(), ['a.txt', 'b.txt', `c.tmp-${process.pid}-0123abcd`]);
    await rm(join(cacheDir, `c.tmp-${process.pid}-0123abcd`), { recursive: true });
  });

  test('a failed making leaves no entry, no lock and no work folder; the next call makes it again', async () => {
    const made = { count: 0 };
    await assert.rejects(madeOncePerMachine(fileEntry('d', made, true)), /making failed/);
    assert.deepEqual((await readdir(cacheDir)).sort(), ['a.txt', 'b.txt']);
    assert.equal(await madeOncePerMachine(fileEntry('d', made)), `made by ${process.pid}`);
    assert.equal(made.count, 2);
    assert.ok((await stat(join(cacheDir, 'd.txt'))).isFile());
  });

  test('a making that puts nothing in place is an error naming the entry', async () => {
    const entry: MachineCacheEntry<string> = { ...fileEntry('e', { count: 0 }), make: async () => undefined };
    await assert.rejects(madeOncePerMachine(entry), /the file e was made but is not in .* under e$/);
    assert.deepEqual((await readdir(cacheDir)).sort(), ['a.txt', 'b.txt', 'd.txt']);
  });
});
