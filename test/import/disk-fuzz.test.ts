import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { KilnError } from '../../src/domain/errors.js';
import { importImageFile } from '../../src/engine/import/import-file.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { convertDisk, makeFilesystem, makeRawDisk, makeRootTree } from './support/disks.js';

/*
 * Corrupted disks: bytes of the partition table, the superblocks and the first metadata blocks
 * of a GPT + ext4 disk (and of its QCOW2 header) overwritten at seeded-random places. Every
 * import either succeeds or fails with a registered InvalidImage.* code, never another error,
 * and leaves nothing (no temporary file, mount or loop device).
 */

const work = mkdtempSync(join(tmpdir(), 'kiln-disk-fuzz-'));
const data = join(work, 'data');
const blobs = new LocalBlobStore(join(data, 'blobs'));
const layers = new LayerStore(data, blobs);
const tmpDir = join(data, 'tmp', 'import');
let raw: Buffer;
let qcow2: Buffer;

/** A small deterministic generator (mulberry32), so a failing case can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

before(() => {
  mkdirSync(join(work, 'tree'));
  makeRootTree(join(work, 'tree'));
  makeFilesystem(join(work, 'root.ext4'), 'ext4', join(work, 'tree'), 16 * 1024 * 1024);
  makeRawDisk(join(work, 'disk.raw'), 'gpt', [join(work, 'root.ext4')]);
  raw = readFileSync(join(work, 'disk.raw'));
  convertDisk(join(work, 'disk.raw'), 'qcow2', join(work, 'disk.qcow2'));
  qcow2 = readFileSync(join(work, 'disk.qcow2'));
});

after(() => rmSync(work, { recursive: true, force: true }));

/** `disk` with `count` runs of random bytes written within its first `span` bytes (and around `hot` offsets). */
function corrupted(disk: Buffer, seed: number, hot: number[]): Buffer {
  const next = random(seed);
  const out = Buffer.from(disk);
  for (let i = 0; i < 4; i++) {
    const base = hot[Math.floor(next() * hot.length)]!;
    const at = Math.min(out.length - 16, base + Math.floor(next() * 4096));
    for (let j = 0; j < 1 + Math.floor(next() * 16); j++) out[at + j] = Math.floor(next() * 256);
  }
  return out;
}

async function importsCleanly(file: string, what: string): Promise<string> {
  let outcome = 'ok';
  try {
    await importImageFile({ blobs, layers }, file, { tmpDir });
  } catch (err) {
    assert.ok(err instanceof KilnError, `${what}: not a KilnError: ${(err as Error).stack}`);
    assert.match(err.code, /^InvalidImage\./, `${what}: ${err.code} ${err.message}`);
    outcome = err.code;
  }
  assert.deepEqual(existsSync(tmpDir) ? readdirSync(tmpDir) : [], [], `${what}: no temporary file`);
  assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(work), `${what}: no mount`);
  assert.equal(execFileSync('losetup', ['-a']).toString().includes(work), false, `${what}: no loop device`);
  return outcome;
}

describe('corrupted disks fail with their codes, never otherwise', () => {
  test('GPT + ext4 (RAW): 24 seeded corruptions of the tables and the superblock', async () => {
    // the MBR and GPT, the ext4 superblock and group descriptors, the first inode table blocks
    const fs = 2048 * 512;
    const hot = [0, 512, 1024, fs, fs + 1024, fs + 4096, fs + 8192, fs + 65536];
    const outcomes: string[] = [];
    for (let seed = 1; seed <= 24; seed++) {
      const file = join(work, `fuzz-${seed}.raw`);
      writeFileSync(file, corrupted(raw, seed, hot));
      outcomes.push(await importsCleanly(file, `raw seed ${seed}`));
      rmSync(file);
    }
    assert.ok(outcomes.some((o) => o !== 'ok'), `some corruptions are refused: ${outcomes.join(', ')}`);
  });

  test('QCOW2: 16 seeded corruptions of its header and tables', async () => {
    const hot = [0, 64, 65536, 131072, 196608];
    for (let seed = 100; seed < 116; seed++) {
      const file = join(work, `fuzz-${seed}.qcow2`);
      writeFileSync(file, corrupted(qcow2, seed, hot));
      await importsCleanly(file, `qcow2 seed ${seed}`);
      rmSync(file);
    }
  });
});
