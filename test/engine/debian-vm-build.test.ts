import assert from 'node:assert/strict';
import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { DEBIAN_VM_CMDLINE, ensureDebianVm, type DebianVmLayer } from '../../src/engine/base-images/debian-vm.js';
import { listInitramfs } from '../../src/engine/base-images/initramfs.js';
import { readImage } from '../../src/engine/image/oci-image.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { assertNoLeftovers, buildExisting, describeImages, isTerminal, logsOf, startExecution, uniqueName, waitForExecution } from '../support/builds.js';
import { createPipeline, DEBIAN_VM } from '../support/ecs-requests.js';
import { startKiln, type TestKiln } from '../support/kiln.js';
import { seedDebianVm } from '../support/vm-base.js';

/*
 * The real Debian 12 VM base (mmdebstrap from the machine's mirror, made once per machine by
 * seedDebianVm): what its tree holds for a VM to boot (nothing is booted here), and a build on
 * debian_12_x64_20G_kiln_vm.vhd through the official SDK that installs a package and whose
 * steps come from the step cache on a rebuild, as on any base.
 */

/** The first creation of the base runs mmdebstrap (~45 s here); a generous limit, not a timing assertion. */
const VM_BASE_TIMEOUT_MS = 15 * 60_000;

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(() => true, () => false);
}

/** What initramfs-tools would use: the last MODULES= of initramfs.conf, then of conf.d/* in order. */
async function effectiveModules(root: string): Promise<string | undefined> {
  const dir = join(root, 'etc/initramfs-tools');
  const files = [join(dir, 'initramfs.conf'), ...(await readdir(join(dir, 'conf.d'))).sort().map((n) => join(dir, 'conf.d', n))];
  let value: string | undefined;
  for (const f of files) for (const m of (await readFile(f, 'utf8')).matchAll(/^MODULES=(\S+)$/gm)) value = m[1];
  return value;
}

describe('the Debian 12 VM base through the SDK', () => {
  let kiln: TestKiln;
  let layers: LayerStore;
  let base: DebianVmLayer;
  before(async () => {
    kiln = await startKiln({ KILN_WORKERS: '1' });
    await seedDebianVm(kiln.config.dataDir);
    layers = new LayerStore(kiln.config.dataDir, new LocalBlobStore(join(kiln.config.dataDir, 'blobs')));
    // Seeded: found at once (a stand-in mmdebstrap that cannot run proves nothing is built).
    base = await ensureDebianVm(layers, { mmdebstrap: '/nonexistent/mmdebstrap' });
  }, { timeout: VM_BASE_TIMEOUT_MS });
  after(async () => {
    await kiln?.stop();
  });

  test('the tree: kernel and initramfs with the virtio drivers, MODULES=most, eth0 by DHCP, fstab, cmdline, empty machine-id, systemd, growpart, root locked', async (t) => {
    const at = (p: string) => join(base.dir, p);
    const v = base.kernelVersion;
    t.diagnostic(`kernel ${v}, layer ${base.size} bytes`);
    assert.match(v, /^\d+\.\d+\.\d+-\d+-cloud-amd64$/);
    assert.deepEqual((await readdir(at('boot'))).filter((n) => n.startsWith('vmlinuz-') || n.startsWith('initrd.img-')).sort(), [`initrd.img-${v}`, `vmlinuz-${v}`]);
    assert.ok((await stat(at(`boot/vmlinuz-${v}`))).size > 4_000_000);
    assert.match(await readFile(at(`boot/config-${v}`), 'utf8'), /^CONFIG_VIRTIO_BLK=m$/m);

    const names = await listInitramfs(at(`boot/initrd.img-${v}`));
    for (const m of ['virtio_blk', 'virtio_net', 'virtio_pci']) {
      assert.ok(names.includes(`usr/lib/modules/${v}/kernel/drivers/${m === 'virtio_blk' ? 'block' : m === 'virtio_net' ? 'net' : 'virtio'}/${m}.ko`), `${m} is in the initramfs`);
    }
    assert.ok(names.includes('init') && names.includes('scripts/local'), 'an initramfs-tools init that mounts a local root');
    assert.equal(await effectiveModules(base.dir), 'most');

    assert.equal(await readFile(at('etc/kernel/cmdline'), 'utf8'), `${DEBIAN_VM_CMDLINE}\n`);
    assert.match(await readFile(at('etc/fstab'), 'utf8'), /^LABEL=kiln-root \/ ext4 errors=remount-ro 0 1$/m);
    assert.equal((await stat(at('etc/machine-id'))).size, 0);
    assert.match(await readFile(at('etc/network/interfaces'), 'utf8'), /^source \/etc\/network\/interfaces\.d\/\*$/m);
    assert.match(await readFile(at('etc/network/interfaces.d/eth0'), 'utf8'), /^auto eth0\niface eth0 inet dhcp$/m);
    assert.ok(await exists(at('usr/sbin/dhclient')) || await exists(at('sbin/dhclient')), 'the DHCP client');
    assert.match(await readlink(at('usr/sbin/init')), /systemd$/);
    // a login on ttyS0 comes from systemd's getty generator reading console= of the cmdline
    assert.ok(await exists(at('usr/lib/systemd/system-generators/systemd-getty-generator')) || await exists(at('lib/systemd/system-generators/systemd-getty-generator')));
    assert.ok(await exists(at('usr/lib/systemd/system/serial-getty@.service')) || await exists(at('lib/systemd/system/serial-getty@.service')));
    for (const tool of ['usr/bin/growpart', 'usr/sbin/resize2fs', 'usr/sbin/sfdisk']) assert.ok(await exists(at(tool)) || await exists(at(tool.replace('usr/', ''))), tool);
    assert.match(await readFile(at('etc/shadow'), 'utf8'), /^root:[*!][^:]*:/m, 'root is locked');
    const installed = new Set([...(await readFile(at('var/lib/dpkg/status'), 'utf8')).matchAll(/^Package: (\S+)$/gm)].map((m) => m[1]));
    for (const p of ['linux-image-cloud-amd64', 'systemd-sysv', 'udev', 'dbus', 'initramfs-tools', 'ifupdown', 'isc-dhcp-client', 'iproute2', 'procps', 'cloud-guest-utils', 'e2fsprogs', 'fdisk']) assert.ok(installed.has(p), p);
    assert.ok(!installed.has('cloud-init'), 'no cloud-init (see docs/vm-images.md)');
    assert.deepEqual((await readdir(at('var/lib/apt/lists'))).filter((n) => n !== 'lock' && n !== 'partial'), [], 'no package lists');
  });

  test('a build on debian_12_x64_20G_kiln_vm.vhd: apt-get installs jq (InternetMaxBandwidthOut=10), update-initramfs keeps virtio_blk; a rebuild takes every step from the cache', { timeout: VM_BASE_TIMEOUT_MS }, async () => {
    const pipelineId = await createPipeline(kiln.clients.v3, {
      name: uniqueName('debian-vm-jq'),
      baseImage: DEBIAN_VM,
      internetMaxBandwidthOut: 10,
      buildContent: [
        'RUN test "$(pwd)" = /root && test -s /boot/vmlinuz-* && test "$(cat /etc/kernel/cmdline)" = "console=tty0 console=ttyS0,115200n8 net.ifnames=0"',
        'RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends jq',
        // in a build instance (no virtio hardware), MODULES=most still puts the virtio drivers in
        'RUN update-initramfs -u -k all && lsinitramfs /boot/initrd.img-* | grep -q "/virtio_blk.ko$" && echo initramfs-rebuilt-with-virtio_blk',
        'RUN echo \'{"kiln":{"answer":42}}\' | jq .kiln.answer > /root/answer.txt && test "$(jq -n \'1 + 41\')" = "$(cat /root/answer.txt)" && systemctl --version | head -1',
      ].join('\n'),
      // No TestContent: the test of an image with a kernel boots it (not this test's business).
    });
    const executionId = await startExecution(kiln.clients.v3, pipelineId);
    const { item } = await waitForExecution(kiln.clients.v3, executionId, isTerminal, 'a terminal status', VM_BASE_TIMEOUT_MS);
    const logs = await logsOf(kiln.app.store, executionId);
    assert.equal(item.status, 'SUCCESS', `${JSON.stringify(item)}\n${logs.slice(-3000)}`);
    assert.match(logs, /Setting up jq/);
    assert.match(logs, /^initramfs-rebuilt-with-virtio_blk$/m);
    assert.match(item.message ?? '', /Steps: 4 step\(s\) run, 0 from the step cache\.$/);
    const image = await kiln.app.store.images.getOwned({ accountId: kiln.credentials.accountId, regionId: 'cn-hangzhou' }, item.imageId!);
    const { layers: imageLayers } = await readImage(layers.blobs, image!.manifestDigest!);
    assert.equal(imageLayers.length, 5, 'the base layer and one per step');
    assert.equal(imageLayers[0]?.digest, base.digest);
    await assertNoLeftovers(kiln.config.dataDir, executionId);

    const again = await buildExisting(kiln.clients.v3, pipelineId);
    assert.equal(again.item.status, 'SUCCESS', JSON.stringify(again.item));
    assert.match(again.item.message ?? '', /Steps: 0 step\(s\) run, 4 from the step cache\.$/);
    const { layers: againLayers } = await readImage(layers.blobs, (await kiln.app.store.images.getOwned({ accountId: kiln.credentials.accountId, regionId: 'cn-hangzhou' }, again.item.imageId!))!.manifestDigest!);
    assert.deepEqual(againLayers.map((l) => l.digest), imageLayers.map((l) => l.digest));
    assert.equal((await describeImages(kiln.clients.v3, { imageId: again.item.imageId! }))[0]?.imageId, again.item.imageId);
    assert.equal((await readdir(layers.baseImagesDir)).filter((n) => n.startsWith('debian-vm-')).length, 1, 'the base was made (seeded) once');
  });
});
