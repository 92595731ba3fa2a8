import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeImages, uniqueName } from '../support/builds.js';
import { runCliOn, type CliResult } from '../support/child.js';
import { REGION, startKiln, type TestKiln } from '../support/kiln.js';
import { convertDisk, makeFilesystem, makeRawDisk, makeRootTree } from './support/disks.js';

/*
 * `kiln images import` as a process: a VMDK disk (MBR + XFS) becomes an Available image of the
 * default account; a QCOW2 whose backing file is /etc/shadow exits 1 with InvalidImage.BackingFile
 * and registers nothing.
 */

let kiln: TestKiln;
let work: string;

const cli = (args: string[]): Promise<CliResult> => runCliOn(kiln.config, args);

before(async () => {
  kiln = await startKiln();
  work = mkdtempSync(join(tmpdir(), 'kiln-cli-import-'));
  mkdirSync(join(work, 'tree'));
  makeRootTree(join(work, 'tree'));
  makeFilesystem(join(work, 'root.xfs'), 'xfs', join(work, 'tree'));
  makeRawDisk(join(work, 'disk.raw'), 'mbr', [join(work, 'root.xfs')]);
  convertDisk(join(work, 'disk.raw'), 'vmdk', join(work, 'disk.vmdk'));
});

after(async () => {
  await kiln?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('kiln images import of disk images', () => {
  test('a VMDK (MBR + XFS) with --format vmdk: an Available image', async () => {
    const name = uniqueName('cli-vmdk');
    const res = await cli(['images', 'import', join(work, 'disk.vmdk'), '--name', name, '--format', 'vmdk', '--region', REGION]);
    assert.equal(res.code, 0, res.stderr);
    const [image] = await describeImages(kiln.clients.v3, { imageId: res.stdout.trim() });
    assert.equal(image?.imageName, name);
    assert.equal(image?.status, 'Available');
  });

  test('a QCOW2 whose backing file is /etc/shadow: exit 1, InvalidImage.BackingFile, no image, no temporary file', async () => {
    const file = join(work, 'shadow.qcow2');
    execFileSync('qemu-img', ['create', '-f', 'qcow2', '-u', '-b', '/etc/shadow', '-F', 'raw', file, '64M']);
    const name = uniqueName('cli-shadow');
    const res = await cli(['images', 'import', file, '--name', name, '--region', REGION]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /InvalidImage\.BackingFile/);
    assert.deepEqual(await describeImages(kiln.clients.v3, { imageName: name }), []);
    const tmp = join(kiln.config.dataDir, 'tmp', 'import');
    assert.deepEqual(existsSync(tmp) ? readdirSync(tmp) : [], []);
  });
});
