import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeOwnedTempDir, removeDeadOwnedDirs } from '../../src/engine/system/owned-temp-dir.js';

/*
 * Temp dirs named after their Kiln process (a VM's, `kiln images boot`'s, a test VM's): the ones
 * a killed Kiln left go when the next one is made; a live process's dirs, this process's, and
 * names that are not an owned dir's stay.
 */

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'kiln-owned-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

test('the dirs of dead processes go when a new one is made; live ones, our own and other names stay', async () => {
  const dead = await deadPid();
  const live = spawn('sleep', ['60']);
  try {
    const gone = [`kiln-vm-p${dead}-aaaaaa`, `kiln-boot-p${dead}-bbbbbb`, `kiln-vmtest-exec-1-t-p${dead}-AbC123`];
    const kept = [
      `kiln-vmtest-exec-2-t-p${live.pid}-XyZ789`, `kiln-vm-p${process.pid}-dddddd`, 'kiln-vmtest-no-owner',
      `kiln-vm-p${dead}-toolong1`, `kiln-test-p${dead}-cccccc`, `other-p${dead}-eeeeee`,
    ];
    for (const n of [...gone, ...kept]) await mkdir(join(root, n, 'sub'), { recursive: true });
    const made = await makeOwnedTempDir('kiln-vmtest-exec-4-t', root);
    assert.match(basename(made), new RegExp(`^kiln-vmtest-exec-4-t-p${process.pid}-[A-Za-z0-9]{6}$`));
    assert.deepEqual((await readdir(root)).sort(), [...kept, basename(made)].sort());
    assert.deepEqual(await removeDeadOwnedDirs(root), []);
  } finally {
    live.kill('SIGKILL');
  }
});

test('a prefix that is not an owned dir\'s is refused (no dir made)', async () => {
  await assert.rejects(makeOwnedTempDir('kiln-vmtest-../x' as 'kiln-vm', root), /not an owned temp dir prefix/);
  await assert.rejects(makeOwnedTempDir('kiln-other' as 'kiln-vm', root), /not an owned temp dir prefix/);
});
