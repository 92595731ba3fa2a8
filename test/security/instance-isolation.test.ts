import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Instance } from '../../src/engine/instance/instance.js';
import { readTar } from '../../src/engine/layers/tar/tar-reader.js';
import { engineFixture, sh, type EngineFixture } from '../support/engine-fixture.js';
import { probeLayer } from './support/probe-layer.js';

/**
 * Issue 8, item 2: a build's root is not the host's root. Real runc containers on the busybox
 * base, with a layer holding the host's perl to make raw system calls from inside a build.
 */
describe("security: a build's root is not the host's root", () => {
  let fx: EngineFixture;
  let probe: string;
  let instance: Instance | undefined;

  before(async () => {
    fx = await engineFixture('seciso');
    probe = await probeLayer(fx.layers);
  });
  afterEach(async () => {
    await instance?.destroy();
    instance = undefined;
    assert.deepEqual(await fx.driver.leftovers(fx.prefix), []);
  });
  after(async () => {
    await fx.close();
  });

  const create = () => fx.driver.create(fx.spec({ layers: [fx.base.dir, probe] }));

  test('steps run in a user namespace mapped to unprivileged host ids, under seccomp; /tmp, /dev, /proc, /sys and mqueue work', async () => {
    instance = await create();
    const r = await sh(instance, 'cat /proc/self/uid_map /proc/self/gid_map; grep "^Seccomp:" /proc/self/status');
    assert.equal(r.exitCode, 0, r.stderr);
    const [uidMap, gidMap, seccomp] = r.stdout.split('\n');
    for (const map of [uidMap, gidMap]) {
      const [inside, outside, count] = map!.trim().split(/\s+/).map(Number);
      assert.equal(inside, 0, map);
      assert.ok(outside! >= 2 ** 31, `container root is host id ${outside}, not root nor a real user`);
      assert.equal(count, 65536, map);
    }
    assert.match(seccomp!, /^Seccomp:\s+2$/);

    const works = await sh(
      instance,
      [
        'echo t > /tmp/t && cat /tmp/t',
        'echo x > /dev/null && head -c 4 /dev/zero | wc -c && test -c /dev/urandom',
        'grep -c . /proc/self/status >/dev/null && echo proc',
        'test -d /sys/kernel && ! touch /sys/kernel/x 2>/dev/null && echo sys-ro',
        'grep -q " /dev/mqueue mqueue " /proc/mounts && perl /usr/local/bin/kiln-probe mq_open',
      ].join(' && '),
    );
    assert.match(works.stdout, /^t\n4\nproc\nsys-ro\nok \d+\n$/, works.stderr);
  });

  test("the build's root still binds ports below 1024 and opens ping's ICMP socket, as on a VM (its namespace allows them, the host's does not change)", async () => {
    instance = await create();
    const r = await sh(
      instance,
      [
        'mkdir -p /tmp/www && echo served > /tmp/www/index.html',
        'busybox httpd -p 80 -h /tmp/www',
        'busybox wget -q -O - http://127.0.0.1:80/index.html',
        'perl /usr/local/bin/kiln-probe icmp-socket',
      ].join(' && '),
    );
    assert.match(r.stdout, /^served\nok \d+\n$/, r.stderr);
    assert.equal((await readFile('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8')).trim(), '1024', 'the host keeps its own setting');
  });

  test('the kernel keyring is out of reach: add_key and keyctl fail, and no key shows on the host', async () => {
    instance = await create();
    const description = `kiln-probe-${randomBytes(6).toString('hex')}`;
    const r = await sh(instance, `perl /usr/local/bin/kiln-probe add_key ${description}; perl /usr/local/bin/kiln-probe keyctl`);
    assert.equal(r.stdout, 'errno 1\nerrno 1\n', r.stderr);
    assert.doesNotMatch(await readFile('/proc/keys', 'utf8'), new RegExp(description));
  });

  test('no new user namespaces and no perf_event_open', async () => {
    instance = await create();
    const r = await sh(instance, 'busybox unshare -U true && echo unshared; perl /usr/local/bin/kiln-probe unshare-user; perl /usr/local/bin/kiln-probe perf_event_open');
    assert.equal(r.stdout, 'errno 1\nerrno 1\n', r.stderr);
    assert.match(r.stderr, /unshare/);
  });

  test('setuid still works for USER 1000 (su on a setuid busybox); files keep their owners in layers, and the host sees none as root', async () => {
    instance = await create();
    const asRoot = await sh(
      instance,
      [
        'mkdir -p /opt/suid /srv /home/builder',
        'cp /bin/busybox /opt/suid/busybox && chmod 4755 /opt/suid/busybox',
        // root gets an empty password: su needs none, as from sudo with NOPASSWD
        "sed -i 's/^root:[^:]*:/root::/' /etc/passwd && rm -f /etc/shadow",
        "echo 'builder:x:1000:1000:Builder:/home/builder:/bin/sh' >> /etc/passwd",
        'echo r > /srv/root-file',
        'echo c > /srv/chowned && chown 1000:1000 /srv/chowned /home/builder',
      ].join(' && '),
    );
    assert.equal(asRoot.exitCode, 0, asRoot.stderr);
    const rootLayer = await fx.layers.capture(asRoot.upperDir);
    instance.commitStep();

    // the host: what the build's root wrote is owned by an unprivileged id on disk
    const name = instanceName(asRoot.upperDir);
    const raw = await lstat(join(fx.dataDir, 'instances', name, 'disk/steps/1/diff/srv/root-file'));
    assert.ok(raw.uid >= 2 ** 31 && raw.gid >= 2 ** 31, `on the host the file is owned by ${raw.uid}:${raw.gid}, not root`);

    const asUser = await sh(instance, 'id -u; echo mine > /home/builder/mine; /opt/suid/busybox su root -c "id -u"', { user: 'builder' });
    assert.equal(asUser.stdout, '1000\n0\n', asUser.stderr);
    const userLayer = await fx.layers.capture(asUser.upperDir);

    const owners = async (digest: string) => {
      const out = new Map<string, string>();
      for await (const { header } of readTar(await fx.blobs.get(digest))) out.set(header.name, `${header.uid}:${header.gid}:${(header.mode & 0o7777).toString(8)}`);
      return out;
    };
    const inRoot = await owners(rootLayer.digest);
    assert.equal(inRoot.get('srv/root-file'), '0:0:644');
    assert.equal(inRoot.get('srv/chowned'), '1000:1000:644');
    assert.equal(inRoot.get('home/builder'), '1000:1000:755');
    assert.equal(inRoot.get('opt/suid/busybox'), '0:0:4755');
    assert.equal(inRoot.get('etc/passwd')?.split(':').slice(0, 2).join(':'), '0:0');
    const inUser = await owners(userLayer.digest);
    assert.equal(inUser.get('home/builder/mine'), '1000:1000:644');
  });
});

/** `<dataDir>/instances/<name>/…` → name (the instance's folder, as on the old layout too). */
function instanceName(upperDir: string): string {
  const m = /\/instances\/([^/]+)\//.exec(upperDir);
  if (!m) throw new Error(`no instance name in ${upperDir}`);
  return m[1]!;
}
