import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { KilnError } from '../../src/domain/errors.js';
import { importImageFile } from '../../src/engine/import/import-file.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { convertDisk, makeFilesystem, makeRawDisk, makeRootTree } from './support/disks.js';

/*
 * Hostile and broken disk images: each is refused with its code before anything is stored
 * under a final name, and nothing is left (no temp file, no mount, no loop device). Backing
 * files and extents are FIFOs: had qemu-img opened one, the import would hang instead of fail.
 */

const work = mkdtempSync(join(tmpdir(), 'kiln-disk-refusals-'));
const data = join(work, 'data');
const blobs = new LocalBlobStore(join(data, 'blobs'));
const layers = new LayerStore(data, blobs);
const tmpDir = join(data, 'tmp', 'import');
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
let rootExt: string;

before(() => {
  const tree = join(work, 'tree');
  mkdirSync(tree);
  makeRootTree(tree);
  rootExt = join(work, 'root.ext4');
  makeFilesystem(rootExt, 'ext4', tree, 32 * 1024 * 1024);
  sh('mkfifo', [join(work, 'fifo')]);
});

after(() => rmSync(work, { recursive: true, force: true }));

async function refused(file: string, code: string, message: RegExp, declaredFormat?: string): Promise<void> {
  await assert.rejects(importImageFile({ blobs, layers }, file, { tmpDir, ...(declaredFormat ? { declaredFormat } : {}) }), (err: unknown) => {
    assert.ok(err instanceof KilnError, String(err));
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    return true;
  });
  assert.deepEqual(existsSync(tmpDir) ? readdirSync(tmpDir) : [], [], 'no temporary file is left');
  assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(work), 'no mount is visible');
  assert.equal(sh('losetup', ['-a']).toString().includes(work), false, 'no loop device is left');
}

describe('disk images that read other files are refused before qemu-img opens them', () => {
  test('a QCOW2 whose backing file is a FIFO (or /etc/shadow): InvalidImage.BackingFile', async () => {
    for (const backing of [join(work, 'fifo'), '/etc/shadow']) {
      const file = join(work, 'backed.qcow2');
      sh('qemu-img', ['create', '-f', 'qcow2', '-u', '-b', backing, '-F', 'raw', file, '64M']);
      await refused(file, 'InvalidImage.BackingFile', /has a backing file/);
    }
  });

  test('a QCOW2 with an external data file: InvalidImage.BackingFile', async () => {
    const file = join(work, 'datafile.qcow2');
    sh('qemu-img', ['create', '-f', 'qcow2', '-o', `data_file=${join(work, 'ext-data')}`, file, '16M']);
    await refused(file, 'InvalidImage.BackingFile', /external data file/);
  });

  test('a VMDK descriptor naming a FIFO as its extent, and a sparse VMDK with an embedded descriptor: InvalidImage.BackingFile', async () => {
    const desc = join(work, 'desc.vmdk');
    writeFileSync(desc, `# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="monolithicFlat"\nRW 131072 FLAT "${join(work, 'fifo')}" 0\n`);
    await refused(desc, 'InvalidImage.BackingFile', /descriptor file that names extent files/, 'VMDK');
    const sparse = join(work, 'embedded.vmdk');
    convertDisk(rootExt, 'vmdk', sparse);
    const fd = openSync(sparse, 'r+');
    writeSync(fd, Buffer.alloc(8), 0, 8, 12); // capacity 0: qemu would open the descriptor's extents
    closeSync(fd);
    await refused(sparse, 'InvalidImage.BackingFile', /embedded descriptor/);
  });
});

describe('broken disks', () => {
  test('a truncated QCOW2, VMDK or VHD: InvalidImage.DiskCorrupt', async () => {
    const raw = join(work, 'gpt.raw');
    makeRawDisk(raw, 'gpt', [rootExt]);
    for (const format of ['qcow2', 'vmdk', 'vhd'] as const) {
      const file = join(work, `truncated.${format}`);
      convertDisk(raw, format, file);
      truncateSync(file, Math.floor(statSync(file).size / 2));
      await refused(file, 'InvalidImage.DiskCorrupt', new RegExp(`${format.toUpperCase()} disk image cannot be read`));
    }
  });

  test('a virtual size past the limit: InvalidImage.DiskTooLarge', async () => {
    const file = join(work, 'huge.qcow2');
    sh('qemu-img', ['create', '-f', 'qcow2', file, '100G']);
    await refused(file, 'InvalidImage.DiskTooLarge', /more than the 68719476736 bytes/);
  });

  test('a GPT whose partition ends past the disk, and one with a million entries: InvalidImage.DiskCorrupt', async () => {
    const raw = join(work, 'bad-gpt.raw');
    makeRawDisk(raw, 'gpt', [rootExt]);
    const disk = readFileSync(raw);
    disk.writeBigUInt64LE(BigInt(disk.length), 1024 + 40); // entry 1's last LBA
    writeFileSync(raw, disk);
    await refused(raw, 'InvalidImage.DiskCorrupt', /partition 1 .* ends past the disk/);
    disk.writeUInt32LE(1_000_000, 512 + 80);
    writeFileSync(raw, disk);
    await refused(raw, 'InvalidImage.DiskCorrupt', /lists 1000000 entries/);
  });

  test('an ext superblock that claims more blocks than its partition: InvalidImage.DiskCorrupt', async () => {
    const fs = join(work, 'liar.ext4');
    sh('cp', [rootExt, fs]);
    const fd = openSync(fs, 'r+');
    const count = Buffer.alloc(4);
    count.writeUInt32LE(0x7fffffff);
    writeSync(fd, count, 0, 4, 1024 + 4);
    closeSync(fd);
    await refused(fs, 'InvalidImage.DiskCorrupt', /superblock claims an ext file system/);
  });

  test('an XFS that xfs_repair -n finds inconsistent is never mounted: InvalidImage.DiskCorrupt', async () => {
    const fs = join(work, 'broken.xfs');
    makeFilesystem(fs, 'xfs', undefined);
    const fd = openSync(fs, 'r+');
    writeSync(fd, Buffer.alloc(512, 0xa5), 0, 512, 512); // the AGF of AG 0
    closeSync(fd);
    await refused(fs, 'InvalidImage.DiskCorrupt', /xfs_repair -n found it inconsistent/);
  });
  test('a directory reached by two paths (a hard link to a directory, a cycle) is refused before tar walks it: InvalidImage.DiskCorrupt', async () => {
    for (const [name, link] of [['cycle', '/etc/loop-back'], ['alias', '/home/etc-again']] as const) {
      const fs = join(work, `${name}.ext4`);
      sh('cp', [rootExt, fs]);
      // debugfs writes the directory entry the kernel would never make: /etc under a second name
      sh('debugfs', ['-w', '-R', `link /etc ${link}`, fs]);
      await refused(fs, 'InvalidImage.DiskCorrupt', /a directory is reached by more than one path/);
    }
  });
});

describe('files that are no image, or hold no root', () => {
  test('zeros: InvalidImage.FormatUnknown; a RAW disk declared QCOW2: InvalidImage.FormatMismatch', async () => {
    const zeros = join(work, 'zeros.img');
    writeFileSync(zeros, Buffer.alloc(4 * 1024 * 1024));
    await refused(zeros, 'InvalidImage.FormatUnknown', /not a format Kiln recognizes/);
    await refused(rootExt, 'InvalidImage.FormatMismatch', /declared as a QCOW2 disk image and is a RAW disk image/, 'QCOW2');
  });

  test('an ext4 with neither /etc nor /usr (a data disk): InvalidImage.NoRootFilesystem', async () => {
    const empty = join(work, 'data.ext4');
    makeFilesystem(empty, 'ext4', undefined, 16 * 1024 * 1024);
    const raw = join(work, 'data-only.raw');
    makeRawDisk(raw, 'mbr', [empty]);
    await refused(raw, 'InvalidImage.NoRootFilesystem', /none with \/etc or \/usr/);
  });
});
