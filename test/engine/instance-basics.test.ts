import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import type { Instance } from '../../src/engine/instance/instance.js';
import { UnknownUserError } from '../../src/engine/instance/user.js';
import { ensureBusyboxBase } from '../../src/engine/base-images/busybox.js';
import { engineFixture, sh, type EngineFixture } from '../support/engine-fixture.js';

describe('an instance on the busybox base', () => {
  let fx: EngineFixture;
  let instance: Instance | undefined;

  before(async () => {
    fx = await engineFixture('basic');
  });
  afterEach(async () => {
    await instance?.destroy();
    instance = undefined;
    assert.deepEqual(await fx.driver.leftovers(fx.prefix), []);
  });
  after(async () => {
    await fx.close();
  });

  test('the busybox base is built once and kept', async () => {
    const again = await ensureBusyboxBase(fx.layers);
    assert.equal(again.digest, fx.base.digest);
    assert.equal(again.dir, fx.base.dir);
    assert.equal(await fx.blobs.has(fx.base.digest), true);
    assert.ok((await stat(`${fx.base.dir}/bin/busybox`)).isFile());
    assert.equal((await lstat(`${fx.base.dir}/bin/sh`)).isSymbolicLink(), true);
    // reproducible: another data dir builds the very same layer
    const other = await mkdtemp(join(tmpdir(), 'kiln-busybox-'));
    try {
      const elsewhere = await ensureBusyboxBase(new LayerStore(other, new LocalBlobStore(join(other, 'blobs'))));
      assert.equal(elsewhere.digest, fx.base.digest);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  test('echo hello runs', async () => {
    instance = await fx.driver.create(fx.spec());
    const r = await sh(instance, 'echo hello');
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout, 'hello\n');
    assert.equal(r.oomKilled || r.diskFull || r.timedOut || r.cancelled, false);
  });

  test("the instance has the spec's hostname", async () => {
    instance = await fx.driver.create(fx.spec({ hostname: 'builder-7' }));
    const r = await sh(instance, 'hostname; cat /etc/hostname; grep builder-7 /etc/hosts');
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /^builder-7\nbuilder-7\n.*builder-7\n$/);
  });

  test("/proc shows only the instance's processes", async () => {
    instance = await fx.driver.create(fx.spec());
    const r = await sh(instance, 'ls /proc | grep -E "^[0-9]+$" | sort -n | tr "\\n" " "; echo; cat /proc/1/cmdline | tr "\\0" " "');
    assert.equal(r.exitCode, 0, r.stderr);
    const [pidLine, cmdline] = r.stdout.split('\n');
    const pids = pidLine!.trim().split(' ').map(Number);
    assert.ok(pids.includes(1), 'pid 1 is the step');
    assert.ok(pids.length <= 5, `only the step's few processes, got ${pidLine}`);
    assert.match(cmdline!, /\/bin\/sh -c ls \/proc/);
  });

  test('/tmp is a writable tmpfs that lasts between steps and empties on restart', async () => {
    instance = await fx.driver.create(fx.spec());
    const r = await sh(instance, 'grep " /tmp " /proc/mounts && echo data > /tmp/f && cat /tmp/f');
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /^\S+ \/tmp tmpfs rw/);
    assert.match(r.stdout, /data\n$/);
    assert.equal((await sh(instance, 'cat /tmp/f')).stdout, 'data\n');
    const upper = (await sh(instance, 'true')).upperDir;
    await assert.rejects(stat(`${upper}/tmp/f`), { code: 'ENOENT' }, '/tmp is not part of the layer');
    await instance.restart();
    const after = await sh(instance, 'ls -A /tmp | wc -l');
    assert.equal(after.stdout.trim(), '0');
  });

  test('its own /dev and a read-only /sys', async () => {
    instance = await fx.driver.create(fx.spec());
    const r = await sh(instance, 'ls /dev; echo x > /dev/null && echo null-ok; grep " /sys " /proc/mounts; touch /sys/x 2>/dev/null || echo sys-ro');
    assert.equal(r.exitCode, 0, r.stderr);
    for (const dev of ['null', 'zero', 'urandom', 'pts', 'shm']) assert.match(r.stdout, new RegExp(`^${dev}$`, 'm'));
    assert.match(r.stdout, /null-ok/);
    assert.match(r.stdout, /sysfs \/sys sysfs ro/);
    assert.match(r.stdout, /sys-ro/);
  });

  test('env, cwd, exit codes and users', async () => {
    instance = await fx.driver.create(fx.spec());
    const r = await sh(instance, 'echo "$FOO" "$HOME"; pwd; id -u; id -g', { env: ['FOO=bar baz'], cwd: '/var' });
    assert.equal(r.stdout, 'bar baz /root\n/var\n0\n0\n');
    const nobody = await sh(instance, 'id -u; id -g; echo $HOME', { user: 'nobody' });
    assert.equal(nobody.stdout, '65534\n65534\n/nonexistent\n');
    const numeric = await sh(instance, 'id -u; id -g', { user: '1234:4321' });
    assert.equal(numeric.stdout, '1234\n4321\n');
    assert.equal((await sh(instance, 'exit 42')).exitCode, 42);
    const missing = await sh(instance, '', { argv: ['/no/such/program'] });
    assert.equal(missing.exitCode, 127);
    await assert.rejects(sh(instance, 'true', { user: 'nosuchuser' }), UnknownUserError);
    // the instance is still usable after a failed step
    assert.equal((await sh(instance, 'echo again')).stdout, 'again\n');
  });

  test('leftovers sees a live instance', async () => {
    instance = await fx.driver.create(fx.spec());
    const live = await fx.driver.leftovers(fx.prefix);
    for (const kind of ['mount', 'cgroup', 'network namespace', 'loop device', 'folder']) {
      assert.ok(live.some((l) => l.startsWith(kind)), `${kind} in ${live.join(', ')}`);
    }
  });
});
