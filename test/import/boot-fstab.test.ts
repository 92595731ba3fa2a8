import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { withoutBootMount } from '../../src/engine/import/boot-fstab.js';
import { importImageFile } from '../../src/engine/import/import-file.js';
import { readImage } from '../../src/engine/image/oci-image.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { makeFilesystem, makeRawDisk, makeRootTree } from './support/disks.js';

/*
 * A disk with a separate /boot file system: the import merges it into the root's tree, so the
 * image's /etc/fstab line mounting it on /boot would name a device a bootable export never has
 * (systemd would wait for it and boot into emergency mode). The import adds a second small
 * layer with that line commented out; the root's / and /boot/efi lines and the rest stay.
 */

const FSTAB = [
  '# vendor fstab',
  'UUID=11111111-2222-3333-4444-555555555555 / ext4 errors=remount-ro 0 1',
  'UUID=66666666-7777-8888-9999-000000000000 /boot ext4 defaults 0 2',
  'UUID=ABCD-1234 /boot/efi vfat umask=0077 0 1',
  'tmpfs /tmp tmpfs defaults 0 0',
  '',
].join('\n');

const work = mkdtempSync(join(tmpdir(), 'kiln-boot-fstab-'));
const data = join(work, 'data');
const blobs = new LocalBlobStore(join(data, 'blobs'));
const layers = new LayerStore(data, blobs);
const tmpDir = join(data, 'tmp', 'import');

before(() => {
  const root = join(work, 'root');
  mkdirSync(root);
  makeRootTree(root);
  const boot = join(work, 'boot');
  execFileSync('cp', ['-a', join(root, 'boot'), boot]);
  rmSync(join(root, 'boot'), { recursive: true });
  mkdirSync(join(root, 'boot'));
  writeFileSync(join(root, 'etc', 'fstab'), FSTAB);
  chmodSync(join(root, 'etc', 'fstab'), 0o640);
  chmodSync(join(root, 'etc'), 0o751);
  makeFilesystem(join(work, 'boot.ext4'), 'ext4', boot, 16 * 1024 * 1024);
  makeFilesystem(join(work, 'root.ext4'), 'ext4', root, 96 * 1024 * 1024);
  makeRawDisk(join(work, 'split.raw'), 'gpt', [join(work, 'boot.ext4'), join(work, 'root.ext4')]);
  makeRawDisk(join(work, 'root-only.raw'), 'gpt', [join(work, 'root.ext4')]);
});

after(() => rmSync(work, { recursive: true, force: true }));

async function importedLayers(file: string): Promise<string[]> {
  const { manifestDigest } = await importImageFile({ blobs, layers }, file, { tmpDir });
  const image = await readImage(blobs, manifestDigest);
  return Promise.all(image.layers.map(async (l) => (await layers.ensure(l.digest)).dir));
}

describe('a separate /boot merged by the import: its fstab line', () => {
  test('withoutBootMount comments out only the lines mounting /boot (a trailing slash too); none: undefined', () => {
    const fixed = withoutBootMount(FSTAB.replace(' /boot ext4', ' /boot/ ext4'))!;
    const lines = fixed.split('\n');
    assert.match(lines[2]!, /^# Kiln: this image's \/boot is on its root file system .*UUID=66666666-7777-8888-9999-000000000000 \/boot\/ ext4/);
    assert.deepEqual([lines[0], lines[1], lines[3], lines[4], lines[5]], FSTAB.split('\n').filter((_, i) => i !== 2));
    assert.equal(withoutBootMount(FSTAB.split('\n').filter((l) => !l.includes(' /boot ')).join('\n')), undefined);
    assert.equal(withoutBootMount('# UUID=x /boot ext4 defaults 0 2\n'), undefined, 'a comment stays as it is');
  });

  test('the disk with a separate /boot: a second layer holds /etc/fstab without the /boot line, /etc\'s and the file\'s modes kept', async () => {
    const [first, second, ...more] = await importedLayers(join(work, 'split.raw'));
    assert.equal(more.length, 0);
    assert.ok(readdirSync(join(first!, 'boot')).includes('vmlinuz-6.1.0-kiln'), 'the /boot partition is merged into the root layer');
    assert.equal(readFileSync(join(first!, 'etc', 'fstab'), 'utf8'), FSTAB, 'the root layer as the disk has it');
    assert.deepEqual(readdirSync(second!).sort(), ['etc']);
    assert.deepEqual(readdirSync(join(second!, 'etc')), ['fstab']);
    const fstab = readFileSync(join(second!, 'etc', 'fstab'), 'utf8');
    assert.match(fstab, /^# Kiln: .*UUID=66666666-7777-8888-9999-000000000000 \/boot ext4/m);
    assert.match(fstab, /^UUID=11111111-2222-3333-4444-555555555555 \/ ext4/m);
    assert.match(fstab, /^UUID=ABCD-1234 \/boot\/efi vfat/m, 'the ESP line is the export\'s to rewrite');
    assert.equal(statSync(join(second!, 'etc', 'fstab')).mode & 0o7777, 0o640);
    assert.equal(statSync(join(second!, 'etc')).mode & 0o7777, 0o751);
    assert.deepEqual(readdirSync(tmpDir), [], 'nothing left behind');
  });

  test('the same root without a separate /boot on the disk: one layer, its fstab untouched', async () => {
    const all = await importedLayers(join(work, 'root-only.raw'));
    assert.equal(all.length, 1);
    assert.equal(readFileSync(join(all[0]!, 'etc', 'fstab'), 'utf8'), FSTAB);
  });
});
