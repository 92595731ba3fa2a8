import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { kernelInLayers, lookupInLayers } from '../../../src/engine/vm-test/layer-lookup.js';

/*
 * Whether a built image is a VM image is read from its extracted layers (overlay lower dirs:
 * whiteouts are character devices 0/0, opaque dirs carry trusted.overlay.opaque=y), as the
 * merged tree shows it, without merging it.
 */

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'kiln-layer-lookup-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

let n = 0;
async function layer(files: Record<string, 'file' | 'whiteout' | 'opaque-dir' | 'dir' | `link:${string}`>): Promise<string> {
  const dir = join(root, String(n++));
  await mkdir(dir);
  for (const [path, kind] of Object.entries(files)) {
    const at = join(dir, path);
    await mkdir(dirname(at), { recursive: true });
    if (kind === 'file') await writeFile(at, 'x');
    else if (kind === 'dir') await mkdir(at, { recursive: true });
    else if (kind === 'opaque-dir') {
      await mkdir(at, { recursive: true });
      execFileSync('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', at]);
    } else if (kind === 'whiteout') execFileSync('mknod', [at, 'c', '0', '0']);
    else await symlink(kind.slice(5), at);
  }
  return dir;
}

const kernel = (v: string) => ({ [`boot/vmlinuz-${v}`]: 'file', [`boot/initrd.img-${v}`]: 'file' }) as const;

describe('reading an image\'s kernel from its layers', () => {
  test('the newest version with both files wins, wherever its files are', async () => {
    const base = await layer({ ...kernel('6.1.0-9-cloud-amd64'), 'boot/vmlinuz-6.1.0-10-cloud-amd64': 'file' });
    const top = await layer({ 'boot/initrd.img-6.1.0-10-cloud-amd64': 'file', 'boot/vmlinuz-6.1.0-11-cloud-amd64': 'file' });
    assert.equal(await kernelInLayers([base, top]), '6.1.0-10-cloud-amd64');
    assert.equal(await kernelInLayers([base]), '6.1.0-9-cloud-amd64');
  });

  test('a whiteout, an opaque /boot or a /boot that is no directory hides the kernels below', async () => {
    const base = await layer({ ...kernel('6.1.0-9-cloud-amd64'), ...kernel('6.1.0-8-cloud-amd64') });
    assert.equal(await kernelInLayers([base, await layer({ 'boot/initrd.img-6.1.0-9-cloud-amd64': 'whiteout' })]), '6.1.0-8-cloud-amd64');
    assert.equal(await kernelInLayers([base, await layer({ boot: 'opaque-dir' })]), undefined);
    assert.equal(await kernelInLayers([base, await layer({ boot: 'whiteout' })]), undefined);
    assert.equal(await kernelInLayers([base, await layer({ boot: 'link:/etc' })]), undefined);
    assert.equal(await kernelInLayers([base, await layer({ boot: 'opaque-dir', ...kernel('7.0-1') })]), '7.0-1');
  });

  test('links do not count, and a container image has no kernel', async () => {
    const linked = await layer({ 'boot/vmlinuz-6.1.0-9-cloud-amd64': 'link:/vmlinuz', 'boot/initrd.img-6.1.0-9-cloud-amd64': 'file', vmlinuz: 'file' });
    assert.equal(await kernelInLayers([linked]), undefined);
    assert.equal(await kernelInLayers([await layer({ 'bin/sh': 'file', 'etc/passwd': 'file' })]), undefined);
  });

  test('a path is found in the topmost layer that has it; a file on the way hides the layers below', async () => {
    const base = await layer({ 'usr/bin/perl': 'file' });
    assert.ok((await lookupInLayers([base, await layer({ 'usr/bin/other': 'file' })], '/usr/bin/perl'))?.stat.isFile());
    assert.equal(await lookupInLayers([base, await layer({ 'usr/bin': 'link:/bin' })], '/usr/bin/perl'), undefined);
    assert.equal(await lookupInLayers([base, await layer({ 'usr/bin/perl': 'whiteout' })], '/usr/bin/perl'), undefined);
    assert.equal(await lookupInLayers([base, await layer({ usr: 'opaque-dir' })], '/usr/bin/perl'), undefined);
  });
});
