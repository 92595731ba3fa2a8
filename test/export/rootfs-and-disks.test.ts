import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { exportImage } from '../../src/engine/export/export-image.js';
import { derivedUuid } from '../../src/engine/export/fixed-ids.js';
import { diskBytes, LINUX_FS_TYPE } from '../../src/engine/export/raw-disk.js';
import { EXPECTED_TREE, makeTestImage, type TestImage } from './support/test-image.js';
import { readTree } from './support/read-tree.js';

/*
 * Issue 9, part X: the root filesystem tar unpacks (GNU tar) into the merged tree; the raw disk
 * is a GPT (sfdisk) with one Linux partition from 1 MiB whose ext4 filesystem is clean (e2fsck)
 * and holds the tree (debugfs: owners, modes, xattrs, symlinks, hard links, device nodes); the
 * converted disks hold the same sectors as the raw one (qemu-img compare).
 */

const run = promisify(execFile);
let img: TestImage;
let raw: string;
const PART = 1024 * 1024;

before(async () => {
  img = await makeTestImage();
  raw = join(img.work, 'disk.raw');
  const result = await exportImage(img.deps, { manifestDigest: img.manifestDigest, format: 'raw', file: raw, sizeGiB: 1 });
  assert.equal(result.bootable, false);
  assert.match(result.note, /no bootloader/);
});
after(() => img.close());

const debugfs = async (request: string) => (await run('debugfs', ['-R', request, `${raw}?offset=${PART}`])).stdout;

describe('kiln export: rootfs tar', () => {
  test('GNU tar unpacks it into the merged file tree', async () => {
    const file = join(img.work, 'rootfs.tar');
    await exportImage(img.deps, { manifestDigest: img.manifestDigest, format: 'rootfs', file });
    const into = join(img.work, 'rootfs');
    mkdirSync(into);
    await run('tar', ['--xattrs', '--xattrs-include=*', '--same-owner', '-xpf', file, '-C', into]);
    assert.deepEqual(await readTree(into), EXPECTED_TREE);
  });
});

describe('kiln export: raw disk', () => {
  test('a GPT with one Linux partition from 1 MiB, ids derived from the image, sized from it', async () => {
    const table = JSON.parse((await run('sfdisk', ['--json', raw])).stdout).partitiontable;
    assert.equal(table.label, 'gpt');
    assert.equal(table.id.toLowerCase(), derivedUuid(img.manifestDigest, 'gpt label'));
    assert.equal(table.partitions.length, 1);
    const [p] = table.partitions;
    assert.equal(p.start, 2048);
    assert.equal(p.type, LINUX_FS_TYPE);
    assert.equal(p.uuid.toLowerCase(), derivedUuid(img.manifestDigest, 'gpt root partition'));
    assert.equal(statSync(raw).size, 1024 ** 3);
    assert.ok(statSync(raw).blocks * 512 < 64 * 1024 * 1024, 'the disk is sparse');
  });

  test('e2fsck finds the ext4 filesystem clean', async () => {
    const { stdout } = await run('e2fsck', ['-fn', `${raw}?offset=${PART}`]);
    assert.match(stdout, /Pass 5/);
    assert.match((await run('dumpe2fs', ['-h', `${raw}?offset=${PART}`])).stdout, new RegExp(`Filesystem UUID:\\s+${derivedUuid(img.manifestDigest, 'ext4 uuid')}`));
  });

  test('debugfs finds the tree: owners, modes, xattrs, symlinks, hard links, device nodes, whiteouts applied', async () => {
    const tool = await debugfs('stat /bin/tool');
    assert.match(tool, /Mode:\s+04755/);
    assert.match(tool, /Links: 2/);
    const inode = /Inode: (\d+)/.exec(tool)![1];
    assert.match(await debugfs('stat /bin/tool-link'), new RegExp(`Inode: ${inode}\\b`));
    assert.match(await debugfs('ea_list /bin/tool'), /security.capability/);
    assert.match(await debugfs('ea_get /home/user/notes.txt user.comment'), /kept/);
    assert.match(await debugfs('stat /home/user/notes.txt'), /User:\s+1000\s+Group:\s+1000/);
    assert.match(await debugfs('stat /bin/sh'), /Fast link dest: "\/bin\/tool"/);
    assert.match(await debugfs('stat /dev/null'), /Type: character special[\s\S]*Device major\/minor number: 01:03/);
    assert.match(await debugfs('stat /dev/sda'), /Type: block special[\s\S]*Device major\/minor number: 08:00/);
    assert.match(await debugfs('stat /dev/pipe'), /Type: FIFO/);
    assert.match(await debugfs('cat /opt/added'), /added in layer 2/);
    assert.match(await debugfs('cat /etc/old/b'), /only this/);
    const etc = await debugfs('ls /etc/old');
    assert.doesNotMatch(etc, /\ba\b/, 'the opaque directory hides layer 1\'s file');
    assert.doesNotMatch(await debugfs('ls /etc'), /victim/, 'the whiteout removed the file');
  });
});

describe('kiln export: disk size', () => {
  test('the image\'s size in GiB, or more when its files need more (journal, tables and reserve on top)', () => {
    assert.equal(diskBytes({ treeBytes: 10 * 1024 ** 2, sizeGiB: 20 }), 20 * 1024 ** 3);
    assert.equal(diskBytes({ treeBytes: 10 * 1024 ** 2, sizeGiB: 0 }), 1024 ** 3);
    assert.equal(diskBytes({ treeBytes: 3 * 1024 ** 3, sizeGiB: 1 }), 4 * 1024 ** 3);
  });
});

describe('kiln export: converted disks', () => {
  for (const [format, qemuName] of [['qcow2', 'qcow2'], ['vhd', 'vpc'], ['vmdk', 'vmdk'], ['vdi', 'vdi']] as const) {
    test(`${format}: qemu-img reads it as ${qemuName} with the raw disk's sectors`, async () => {
      const file = join(img.work, `disk.${format}`);
      const result = await exportImage(img.deps, { manifestDigest: img.manifestDigest, format, file, sizeGiB: 1 });
      assert.equal(result.bootable, false);
      const info = JSON.parse((await run('qemu-img', ['info', '--output=json', file])).stdout);
      assert.equal(info.format, qemuName);
      assert.ok(info['virtual-size'] >= 1024 ** 3);
      const { stdout } = await run('qemu-img', ['compare', '-f', 'raw', '-F', qemuName, raw, file]);
      assert.match(stdout, /Images are identical/);
      await run('qemu-img', ['check', file]).catch((err: { code?: number; stdout?: string }) => {
        if (format !== 'vhd' && format !== 'vmdk') throw err; // qemu-img check is not implemented for vpc
        assert.doesNotMatch(err.stdout ?? '', /corrupt|leak/i);
      });
    });
  }
});
