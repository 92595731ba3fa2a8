import { test, describe, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureSysHelper, HelperProcess, sysHelper, withSysHelper } from '../../src/engine/system/sys-helper.js';
import { readXattrTree } from '../../src/engine/layers/xattrs.js';
import { mountOverlay } from '../../src/engine/instance/overlay.js';
import { isMounted, listMounts, unmount } from '../../src/engine/instance/mounts.js';
import { idmapMounts } from '../../src/engine/instance/idmap.js';
import { Runc } from '../../src/engine/instance/runc.js';
import { runCommand } from '../../src/engine/system/run-command.js';

/*
 * Where the system-call helper cannot run (no perl, or an architecture it has no system call
 * numbers for), its callers fall back to commands and to Node's own processes. Each fallback
 * here runs with the helper made unavailable (`configureSysHelper`) and is held to what the
 * helper's path does.
 */

const NO_PERL = { perl: '/nonexistent/perl' };

const dirs: string[] = [];
async function scratch(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'kiln-sys-fallback-'));
  dirs.push(d);
  return d;
}
afterEach(() => configureSysHelper({}));
after(async () => {
  for (const d of dirs.reverse()) {
    for (const m of (await listMounts()).map((e) => e.mountPoint).filter((p) => p.startsWith(`${d}/`))) await runCommand('umount', ['-l', m], { allowFailure: true });
    await rm(d, { recursive: true, force: true });
  }
  sysHelper()?.stop();
});

/** Two mounts in a row on `path` (a stack, the upper one hiding the lower). */
async function mountTwice(path: string): Promise<void> {
  for (const size of ['1m', '2m']) await runCommand('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'kiln-test', path]);
}

describe('the system-call helper and its fallbacks', () => {
  test('the shared helper starts on first use and again after it died', async () => {
    const first = sysHelper();
    assert.ok(first?.alive);
    assert.equal(sysHelper(), first);
    assert.deepEqual(await withSysHelper(async (h) => h === first), { value: true });
    first.stop();
    while (first.alive) await new Promise((r) => setImmediate(r));
    const second = sysHelper();
    assert.ok(second?.alive);
    assert.notEqual(second, first);
  });

  test('it is unavailable without perl or on an architecture it has no numbers for', async () => {
    for (const options of [NO_PERL, { perl: 'kiln-no-such-perl' }, { arch: 'mips' }]) {
      configureSysHelper(options);
      assert.equal(sysHelper(), undefined, JSON.stringify(options));
      let called = false;
      assert.equal(
        await withSysHelper(async () => {
          called = true;
        }),
        undefined,
      );
      assert.equal(called, false);
    }
    configureSysHelper({});
    assert.ok(sysHelper()?.alive);
  });

  test('readXattrTree falls back to getfattr, with the same result', async () => {
    const dir = await scratch();
    await mkdir(join(dir, 'a b'));
    await writeFile(join(dir, 'a b', 'fïle\\x'), 'x');
    await writeFile(join(dir, 'plain'), 'y');
    const set = (name: string, value: string, path: string) => assert.equal(spawnSync('setfattr', ['-h', '-n', name, '-v', value, path]).status, 0);
    set('trusted.overlay.opaque', 'y', join(dir, 'a b'));
    set('user.bin', '0x000aff', join(dir, 'a b', 'fïle\\x'));
    set('user.text', 'two words', join(dir, 'a b', 'fïle\\x'));
    set('user.root', 'r', dir);
    const viaHelper = await readXattrTree(dir);
    configureSysHelper(NO_PERL);
    const viaGetfattr = await readXattrTree(dir);
    assert.equal(sysHelper(), undefined);
    assert.deepEqual(viaGetfattr, viaHelper);
    assert.deepEqual(viaGetfattr.get('a b/fïle\\x')?.get('user.bin'), Buffer.from([0, 10, 255]));
    assert.deepEqual([...viaGetfattr.keys()].sort(), ['', 'a b', 'a b/fïle\\x']);
  });

  test('mountOverlay falls back to the mount command', async () => {
    configureSysHelper(NO_PERL);
    const dir = await scratch();
    for (const d of ['lower1', 'lower2', 'upper', 'work', 'target']) await mkdir(join(dir, d));
    await writeFile(join(dir, 'lower1', 'a'), 'from 1');
    await writeFile(join(dir, 'lower2', 'a'), 'from 2');
    await writeFile(join(dir, 'lower1', 'b'), 'only in 1');
    const target = join(dir, 'target');
    await mountOverlay({ cwd: dir, links: 'l', lowers: [join(dir, 'lower1'), join(dir, 'lower2')], upper: 'upper', work: 'work', target, nodev: true });
    assert.equal(sysHelper(), undefined);
    assert.equal(await readFile(join(target, 'a'), 'utf8'), 'from 2'); // the last lower is on top
    assert.equal(await readFile(join(target, 'b'), 'utf8'), 'only in 1');
    await writeFile(join(target, 'c'), 'new');
    assert.equal(await readFile(join(dir, 'upper', 'c'), 'utf8'), 'new');
    const info = await readFile('/proc/self/mountinfo', 'utf8');
    const line = info.split('\n').find((l) => l.split(' ')[4] === target);
    assert.match(line ?? '', / overlay overlay \S*lowerdir=l\/1:l\/0/);
    assert.match(line?.split(' ')[5] ?? '', /nodev/);
    // a mount the kernel refuses fails
    await assert.rejects(
      mountOverlay({ cwd: dir, links: 'l2', lowers: [join(dir, 'absent')], upper: 'upper', work: 'work', target: join(dir, 'lower2') }),
      /mount -t overlay .* exited 32/,
    );
    await unmount(target);
    assert.equal(await isMounted(target), false);
  });

  for (const helper of ['through the helper', 'by the umount command']) {
    test(`unmount ${helper}: stacked mounts, nothing mounted, a busy mount detached lazily`, async () => {
      if (helper !== 'through the helper') configureSysHelper(NO_PERL);
      const dir = await scratch();
      const m = join(dir, 'm');
      await mkdir(m);
      await mountTwice(m);
      await unmount(m);
      assert.equal(await isMounted(m), false);
      await unmount(m); // nothing there: a no-op
      await unmount(join(dir, 'absent'));

      await runCommand('mount', ['-t', 'tmpfs', 'kiln-test', m]);
      const holder = spawn('sleep', ['600'], { cwd: m, stdio: 'ignore' });
      try {
        await new Promise((resolve) => holder.once('spawn', resolve));
        await unmount(m);
        assert.equal(await isMounted(m), false);
      } finally {
        holder.kill('SIGKILL');
      }
      assert.equal(sysHelper() === undefined, helper !== 'through the helper');
    });
  }

  test('idmapped mounts have no fallback: without the helper they fail and say why', async () => {
    configureSysHelper(NO_PERL);
    const dir = await scratch();
    await assert.rejects(
      idmapMounts({ hostId: 200000, size: 1000 }, [{ source: dir, target: dir }], { direction: 'toHost' }),
      /idmapped mounts need the system-call helper/,
    );
  });

  test('runc runs as a process of the helper where it runs, else as a child of Node', async () => {
    const runc = new Runc('true');
    const exit = (p: ChildProcess | HelperProcess) => new Promise((resolve) => p.on('close', (code: number | null) => resolve(code)));
    const viaHelper = runc.spawnRun('/bundle', 'id', '/dev/null');
    assert.ok(viaHelper instanceof HelperProcess);
    assert.equal(await exit(viaHelper), 0);
    configureSysHelper(NO_PERL);
    const viaNode = runc.spawnRun('/bundle', 'id', '/dev/null');
    assert.ok(viaNode instanceof ChildProcess);
    assert.equal(await exit(viaNode), 0);
  });
});
