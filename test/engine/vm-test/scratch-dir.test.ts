import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeScratchDir, removeDeadScratchDirs } from '../../../src/engine/vm-test/scratch-dir.js';

/*
 * A test VM's scratch dir is named after its Kiln process: one a killed Kiln left (its QEMU died
 * with it) goes when the next test VM starts; a live process's dir, and other names, stay.
 */

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'kiln-scratch-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

test('the scratch dirs of dead processes go when a new one is made; live ones and other names stay', async () => {
  const dead = await deadPid();
  const live = spawn('sleep', ['60']);
  try {
    const names = [`kiln-vmtest-exec-1-t-p${dead}-AbC123`, `kiln-vmtest-exec-2-t-p${live.pid}-XyZ789`, `kiln-vmtest-exec-3-t-p${process.pid}-Qq0000`, 'kiln-vmtest-no-owner', `kiln-vm-p${dead}-AbC123`];
    for (const n of names) await mkdir(join(root, n, 'sub'), { recursive: true });
    const made = await makeScratchDir('exec-4-t', root);
    assert.match(basename(made), new RegExp(`^kiln-vmtest-exec-4-t-p${process.pid}-[A-Za-z0-9]{6}$`));
    assert.deepEqual((await readdir(root)).sort(), [...names.slice(1), basename(made)].sort());
    assert.deepEqual(await removeDeadScratchDirs(root), []);
  } finally {
    live.kill('SIGKILL');
  }
});
