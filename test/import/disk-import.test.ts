import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { importImageFile } from '../../src/engine/import/import-file.js';
import { readImage } from '../../src/engine/image/oci-image.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { convertDisk, makeFilesystem, makeRawDisk, makeRootTree } from './support/disks.js';
import { snapshotTree } from './support/tree-snapshot.js';

/*
 * Disk images made by independent tools (mkfs.ext4 -d, mkfs.xfs, sfdisk, qemu-img) imported by
 * the engine: each format and partition table, ext4 and XFS, compared tree for tree with the
 * source (names, modes, owners, xattrs, link targets, hard-link groups, device numbers,
 * contents), and nothing left behind (no temp file, no mount).
 */

const work = mkdtempSync(join(tmpdir(), 'kiln-disk-import-'));
const tree = join(work, 'tree');
const data = join(work, 'data');
const blobs = new LocalBlobStore(join(data, 'blobs'));
const layers = new LayerStore(data, blobs);
const tmpDir = join(data, 'tmp', 'import');
const disks: Record<string, string> = {};

before(() => {
  mkdirSync(tree);
  makeRootTree(tree);
  makeFilesystem(join(work, 'root.ext4'), 'ext4', tree, 96 * 1024 * 1024);
  makeFilesystem(join(work, 'root.xfs'), 'xfs', tree);
  makeFilesystem(join(work, 'data.ext4'), 'ext4', undefined, 16 * 1024 * 1024);
  makeRawDisk((disks.gptExt = join(work, 'gpt-ext.raw')), 'gpt', [join(work, 'data.ext4'), join(work, 'root.ext4')]);
  makeRawDisk((disks.mbrXfs = join(work, 'mbr-xfs.raw')), 'mbr', [join(work, 'root.xfs')]);
  makeRawDisk((disks.bareExt = join(work, 'bare-ext.raw')), 'none', [join(work, 'root.ext4')]);
});

after(() => rmSync(work, { recursive: true, force: true }));

async function importedTree(file: string, declaredFormat?: string) {
  const { manifestDigest, format } = await importImageFile({ blobs, layers }, file, { tmpDir, ...(declaredFormat ? { declaredFormat } : {}) });
  const { layers: [layer] } = await readImage(blobs, manifestDigest);
  const dir = await layers.ensure(layer!.digest);
  return { format, tree: snapshotTree(dir.dir) };
}

function assertNothingLeft(): void {
  assert.deepEqual(readdirSync(tmpDir), [], 'the import leaves no temporary file');
  assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(tmpDir), 'no mount of the import is visible');
  assert.equal(execFileSync('losetup', ['-a']).toString().includes(work), false, 'no loop device is left');
}

describe('disk images become one-layer images with the same tree', () => {
  const expected = () => snapshotTree(tree);

  for (const format of ['qcow2', 'vhd', 'vmdk', 'vdi'] as const) {
    test(`GPT + ext4 as ${format} (a blank ext4 first, the root second)`, async () => {
      const file = join(work, `gpt-ext.${format}`);
      convertDisk(disks.gptExt!, format, file);
      const got = await importedTree(file, format.toUpperCase());
      assert.equal(got.format, format);
      assert.deepEqual(got.tree, expected());
      assertNothingLeft();
    });
  }

  test('MBR + XFS as RAW (checked with xfs_repair -n, mounted read-only)', async () => {
    const got = await importedTree(disks.mbrXfs!, 'RAW');
    assert.equal(got.format, 'raw');
    assert.deepEqual(got.tree, expected());
    assertNothingLeft();
  });

  test('a bare ext4 file system (no partition table) as qcow2', async () => {
    const file = join(work, 'bare.qcow2');
    convertDisk(disks.bareExt!, 'qcow2', file);
    const got = await importedTree(file);
    assert.deepEqual(got.tree, expected());
    assertNothingLeft();
  });

  for (const stage of ['converting', 'reading', 'storing'] as const) {
    test(`an import aborted while ${stage} rejects and leaves no temporary file, mount, loop device or reader process`, async () => {
      const file = join(work, `abort-${stage}.qcow2`);
      convertDisk(disks.mbrXfs!, 'qcow2', file);
      const abort = new AbortController();
      await assert.rejects(importImageFile({ blobs, layers }, file, {
        tmpDir, signal: abort.signal, stage: (now) => now === stage && abort.abort(new Error(`aborted by the test while ${stage}`)),
      }), /aborted by the test/);
      assertNothingLeft();
      const readers = execFileSync('ps', ['-eo', 'args']).toString().split('\n').filter((a) => a.includes(tmpDir) && !a.startsWith('ps '));
      assert.deepEqual(readers, [], 'no reader process of the import runs');
    });
  }

  test('a separate /boot (ext4, GPT partition 1) is merged into the root\'s empty /boot; a root whose /boot is not empty keeps its own', async () => {
    const bootSrc = join(work, 'boot-src');
    const rootSrc = join(work, 'root-src');
    execFileSync('cp', ['-a', join(tree, 'boot'), bootSrc]);
    writeFileSync(join(bootSrc, 'config-6.1.0-kiln'), 'CONFIG_EXT4_FS=y\n');
    execFileSync('cp', ['-a', tree, rootSrc]);
    rmSync(join(rootSrc, 'boot'), { recursive: true });
    mkdirSync(join(rootSrc, 'boot'));
    makeFilesystem(join(work, 'boot.ext4'), 'ext4', bootSrc, 16 * 1024 * 1024);
    makeFilesystem(join(work, 'root-noboot.ext4'), 'ext4', rootSrc, 96 * 1024 * 1024);
    const onlyOnPartition = ['boot/lost+found', 'boot/config-6.1.0-kiln'];
    const split = join(work, 'split-boot.raw');
    makeRawDisk(split, 'gpt', [join(work, 'boot.ext4'), join(work, 'root-noboot.ext4')]);
    const got = await importedTree(split);
    assert.ok(got.tree.some((e) => e.path === 'boot/config-6.1.0-kiln'), 'the /boot partition\'s files are in the image');
    assert.deepEqual(got.tree.filter((e) => !onlyOnPartition.includes(e.path)), expected());
    assertNothingLeft();

    const both = join(work, 'both-boot.raw');
    makeRawDisk(both, 'gpt', [join(work, 'boot.ext4'), join(work, 'root.ext4')]);
    const kept = await importedTree(both);
    assert.deepEqual(kept.tree, expected(), 'the root\'s own /boot, not the partition\'s');
  });

  test('the empty /lost+found mkfs made is left out; one with files, and an empty one below the top, are content and kept', async () => {
    const src = join(work, 'lost-found-src');
    execFileSync('cp', ['-a', tree, src]);
    mkdirSync(join(src, 'lost+found'), { mode: 0o700 });
    writeFileSync(join(src, 'lost+found', '#12'), 'recovered\n');
    mkdirSync(join(src, 'var', 'lost+found'), { recursive: true });
    makeFilesystem(join(work, 'lost-found.ext4'), 'ext4', src, 96 * 1024 * 1024);
    makeRawDisk(join(work, 'lost-found.raw'), 'gpt', [join(work, 'lost-found.ext4')]);
    const got = await importedTree(join(work, 'lost-found.raw'));
    assert.deepEqual(got.tree, snapshotTree(src));
    assert.ok(got.tree.some((e) => e.path === 'lost+found/#12') && got.tree.some((e) => e.path === 'var/lost+found'), 'both are in the image');
    assert.ok(!(await importedTree(disks.bareExt!)).tree.some((e) => e.path === 'lost+found'), 'the empty one at the top is not');
    assertNothingLeft();
  });

  test('the layer keeps /boot (kernel, bootloader), device numbers, xattrs and hard-link groups', async () => {
    const got = await importedTree(disks.bareExt!);
    const at = (p: string) => got.tree.find((e) => e.path === p)!;
    assert.equal(at('boot/vmlinuz-6.1.0-kiln').mode, '600');
    assert.equal(at('boot/grub/grub.cfg').type, 'file');
    assert.equal(at('dev/sda').type, 'block');
    assert.equal(at('usr/bin/tool').mode, '4755');
    assert.deepEqual(at('usr/bin/tool').links, ['usr/bin/tool', 'usr/bin/tool-link', 'usr/lib/tool-again']);
    assert.ok(at('usr/bin/tool').xattrs['security.capability']);
    assert.equal(at('var/empty').xattrs['trusted.marker'], '0x6b657074');
    assert.equal(at('home/user/notes').owner, '1000:1000');
  });
});
