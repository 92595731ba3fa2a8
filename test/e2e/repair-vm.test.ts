import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { listInitramfs } from '../../src/engine/base-images/initramfs.js';
import { exportImage } from '../../src/engine/export/export-image.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { checkBoot } from '../../src/engine/vm/check-boot.js';
import { assertNoLeftovers, isTerminal, logsContaining, startExecution, uniqueName, waitForExecution } from '../support/builds.js';
import { createPipeline } from '../support/ecs-requests.js';
import { REGION, startKiln, type TestKiln } from '../support/kiln.js';
import { seedDebianVm } from '../support/vm-base.js';

/*
 * RepairMode on a VM image, end to end: an image is built on the Debian 12 VM base through the
 * official SDK with RUN steps that break each GUESTOS item on purpose (an initramfs without the
 * virtio drivers, fstab naming a disk the image does not carry, no DHCP configuration, growpart
 * purged, a kernel command line without the serial console and with root=/dev/…); a second
 * template builds on it with RepairMode=Standard. Each item's result is read from the logs, the
 * repaired tree from a rootfs export (its initramfs listed), and both images are exported as
 * bootable disks and booted in QEMU: the repaired one reaches the KILN-BOOT-REPORT with an
 * address, the broken one does not. Two boots, ~30 s each under TCG.
 */

const VM_BASE = 'debian_12_x64_20G_kiln_vm.vhd';
const BUILD_TIMEOUT_MS = 600_000;
const RESULT = /^(GUESTOS\.[A-Za-z]+): (OK|REPAIRED|NOT REPAIRED|NOT APPLICABLE) \((.+)\)$/gm;
const run = promisify(execFile);

/** The RUN steps that break each item (the VM base passes every one of them). */
const BREAK = [
  // Virtio: an initramfs of listed modules only (none listed), rebuilt now.
  "RUN printf 'MODULES=list\\n' > /etc/initramfs-tools/conf.d/zz-broken.conf && update-initramfs -u -k all",
  // Fstab: a data disk by device name and one by label, neither on the image's disk.
  "RUN printf '/dev/sdb1 /data ext4 defaults 0 2\\nLABEL=scratch /scratch ext4 defaults 0 0\\n' >> /etc/fstab",
  // Dhcp: no configuration for eth0.
  'RUN rm /etc/network/interfaces.d/eth0',
  // OnlineResizeFS: growpart gone.
  'RUN dpkg --purge cloud-guest-utils',
  // Grub: no serial console, the root disk by device name, and no net.ifnames=0 (eth0 becomes ens3).
  "RUN echo 'console=tty0 root=/dev/vda1' > /etc/kernel/cmdline",
].join('\n');

let kiln: TestKiln;
let work: string;

before(async () => {
  kiln = await startKiln({ KILN_WORKERS: '1' });
  await seedDebianVm(kiln.config.dataDir);
  work = mkdtempSync(join(tmpdir(), 'kiln-repair-vm-'));
});
after(async () => {
  await kiln?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const stores = () => {
  const blobs = new LocalBlobStore(join(kiln.config.dataDir, 'blobs'));
  return { blobs, layers: new LayerStore(kiln.config.dataDir, blobs) };
};

/** Builds a template and answers its image's id and manifest, and the execution's logs. */
async function buildImage(fields: Parameters<typeof createPipeline>[1], lastLog: string): Promise<{ imageId: string; manifestDigest: string; logs: string; executionId: string }> {
  const pipelineId = await createPipeline(kiln.clients.v3, fields);
  const executionId = await startExecution(kiln.clients.v3, pipelineId);
  const { item } = await waitForExecution(kiln.clients.v3, executionId, isTerminal, 'a terminal status', BUILD_TIMEOUT_MS);
  const logs = await logsContaining(kiln.app.store, executionId, lastLog);
  assert.equal(item.status, 'SUCCESS', `${JSON.stringify(item)}\n${logs.slice(-4000)}`);
  const image = await kiln.app.store.images.getOwned({ accountId: kiln.credentials.accountId, regionId: REGION }, item.imageId!);
  assert.ok(image?.manifestDigest);
  await assertNoLeftovers(kiln.config.dataDir, executionId);
  return { imageId: item.imageId!, manifestDigest: image.manifestDigest, logs, executionId };
}

/** The image as a bootable BIOS disk (raw), for checkBoot. */
async function bootDisk(manifestDigest: string, name: string): Promise<string> {
  const file = join(work, `${name}.raw`);
  const res = await exportImage(stores(), { manifestDigest, format: 'raw', file, sizeGiB: 2, bootMode: 'BIOS' });
  assert.equal(res.bootable, true, res.note);
  return file;
}

describe('RepairMode on a VM image', () => {
  let broken: { imageId: string; manifestDigest: string };
  let repaired: { manifestDigest: string };

  test('RepairMode=Standard repairs a Debian VM image broken on purpose, item by item', async (t) => {
    const name = uniqueName('vm-broken');
    broken = await buildImage({ name, imageName: name, baseImage: VM_BASE, buildContent: `${BREAK}\nRUN echo broken-on-purpose` }, 'broken-on-purpose');

    const fixName = uniqueName('vm-repaired');
    const fixed = await buildImage({ name: fixName, imageName: fixName, baseImage: broken.imageId, repairMode: 'Standard', buildContent: 'RUN echo built-after-repair' }, 'built-after-repair');
    repaired = fixed;
    const results = Object.fromEntries([...fixed.logs.matchAll(RESULT)].map((m) => [m[1]!, { status: m[2]!, detail: m[3]! }]));
    for (const [item, r] of Object.entries(results)) t.diagnostic(`${item}: ${r.status} (${r.detail})`);
    const status = (item: string) => results[item]?.status;
    const detail = (item: string) => results[item]?.detail ?? '';

    assert.equal(status('GUESTOS.Virtio'), 'REPAIRED', fixed.logs);
    assert.match(detail('GUESTOS.Virtio'), /lacked virtio_blk virtio_net virtio_pci: added .* ran update-initramfs -u -k \S+; the rebuilt initramfs has them/);
    assert.match(fixed.logs, /update-initramfs: Generating \/boot\/initrd\.img-/, 'update-initramfs ran on the instance (its output is logged)');
    assert.equal(status('GUESTOS.Fstab'), 'REPAIRED');
    assert.match(detail('GUESTOS.Fstab'), /added nofail,x-systemd\.device-timeout=5s to \/dev\/sdb1 \(\/data\) LABEL=scratch \(\/scratch\)/);
    assert.equal(status('GUESTOS.Dhcp'), 'REPAIRED');
    assert.match(detail('GUESTOS.Dhcp'), /added auto eth0 \/ iface eth0 inet dhcp to \/etc\/network\/interfaces; added net\.ifnames=0 to \/etc\/kernel\/cmdline/);
    assert.equal(status('GUESTOS.Grub'), 'REPAIRED');
    assert.match(detail('GUESTOS.Grub'), /removed root=\/dev\/vda1 .*added console=ttyS0,115200n8/);
    // No network on the instance (InternetMaxBandwidthOut=0): packages cannot be installed, and the result says so.
    assert.equal(status('GUESTOS.OnlineResizeFS'), 'NOT REPAIRED');
    assert.match(detail('GUESTOS.OnlineResizeFS'), /missing: growpart.*needs network \(InternetMaxBandwidthOut > 0\)/);
    assert.equal(status('GUESTOS.CloudInit'), 'NOT REPAIRED');
    assert.match(detail('GUESTOS.CloudInit'), /needs network \(InternetMaxBandwidthOut > 0\)/);
    assert.match(fixed.logs, /^Repair: 4 REPAIRED, 2 NOT REPAIRED\.$/m);

    // The repaired tree, as a rootfs export holds it.
    const tar = join(work, 'repaired.tar');
    await exportImage(stores(), { manifestDigest: fixed.manifestDigest, format: 'rootfs', file: tar });
    const tree = join(work, 'repaired-tree');
    mkdirSync(tree);
    await run('tar', ['-xf', tar, '-C', tree, 'etc/fstab', 'etc/kernel/cmdline', 'etc/network/interfaces', 'etc/initramfs-tools/modules', 'boot']);
    const read = (p: string) => readFileSync(join(tree, p), 'utf8');
    assert.equal(read('etc/kernel/cmdline'), 'console=tty0 net.ifnames=0 console=ttyS0,115200n8\n');
    assert.match(read('etc/fstab'), /^\/dev\/sdb1\t\/data\text4\tdefaults,nofail,x-systemd\.device-timeout=5s\t0\t2$/m);
    assert.match(read('etc/fstab'), /^LABEL=scratch\t\/scratch\text4\tdefaults,nofail,x-systemd\.device-timeout=5s\t0\t0$/m);
    assert.match(read('etc/fstab'), /^LABEL=kiln-root \/ ext4 errors=remount-ro 0 1$/m, 'the / line is left to the export');
    assert.match(read('etc/network/interfaces'), /\nauto eth0\niface eth0 inet dhcp\n/);
    assert.match(read('etc/initramfs-tools/modules'), /^virtio_blk\nvirtio_net\nvirtio_pci\n/m);
    const initrd = (await run('sh', ['-c', `ls ${tree}/boot/initrd.img-*`])).stdout.trim();
    const modules = (await listInitramfs(initrd)).filter((n) => /\/virtio_(blk|net|pci)\.ko/.test(n)).map((n) => n.replace(/.*\//, ''));
    assert.deepEqual(modules.sort(), ['virtio_blk.ko', 'virtio_net.ko', 'virtio_pci.ko']);
  });

  test('Virtio: MODULES=dep (an initramfs for the machine it was made on) is overridden by MODULES=most, and the initramfs rebuilt', async () => {
    const name = uniqueName('vm-dep');
    // As a disk made elsewhere would come: an initramfs of listed drivers only, and MODULES=dep configured.
    const dep = await buildImage({ name, imageName: name, baseImage: VM_BASE, buildContent: [
      "RUN printf 'MODULES=list\\n' > /etc/initramfs-tools/conf.d/zz-broken.conf && update-initramfs -u -k all",
      "RUN printf 'MODULES=dep\\n' > /etc/initramfs-tools/conf.d/zz-broken.conf && echo made-with-dep",
    ].join('\n') }, 'made-with-dep');
    const fixName = uniqueName('vm-dep-repaired');
    const fixed = await buildImage({ name: fixName, imageName: fixName, baseImage: dep.imageId, repairMode: 'Standard', repairItem: ['GUESTOS.Virtio'], buildContent: 'RUN cat /etc/initramfs-tools/conf.d/zz-kiln-modules.conf' }, 'MODULES=most');
    assert.match(fixed.logs, /^GUESTOS\.Virtio: REPAIRED \(\/boot\/initrd\.img-\S+ lacked virtio_blk virtio_net virtio_pci: added virtio_blk virtio_net virtio_pci to \/etc\/initramfs-tools\/modules, set MODULES=most in \/etc\/initramfs-tools\/conf\.d\/zz-kiln-modules\.conf \(MODULES=dep picks .*\) and ran update-initramfs -u -k \S+; the rebuilt initramfs has them\)$/m, fixed.logs);
  });

  test('the repaired image boots to the KILN-BOOT-REPORT with an address; the broken one does not', async (t) => {
    assert.ok(repaired && broken, 'the images of the first test');
    const good = await checkBoot({ disk: await bootDisk(repaired.manifestDigest, 'repaired'), format: 'raw', bootMode: 'BIOS', timeoutMs: 240_000 });
    t.diagnostic(`repaired: ${good.kind} in ${good.seconds} s (${good.accel}): ${good.report?.line ?? good.lastLines.slice(-8).join(' | ')}`);
    assert.equal(good.kind, 'reported', good.lastLines.join('\n'));
    assert.equal(good.report?.target, 'multi-user.target');
    assert.match(good.report?.ipv4?.address ?? '', /^10\.0\.2\.\d+$/, 'eth0 got an address by DHCP');
    assert.equal(good.report?.growroot, 'unsupported', 'growpart stayed missing (NOT REPAIRED without network)');
    assert.ok(good.ok, good.problems.join('; '));

    const bad = await checkBoot({ disk: await bootDisk(broken.manifestDigest, 'broken'), format: 'raw', bootMode: 'BIOS', timeoutMs: 90_000 });
    t.diagnostic(`broken: ${bad.kind} in ${bad.seconds} s: ${bad.lastLines.slice(-5).join(' | ')}`);
    assert.equal(bad.ok, false);
    assert.equal(bad.report, undefined);
    // Its kernel command line has no serial console (console=tty0 only): after the boot loader
    // the serial port stays silent, and the kernel never finds its root disk (no virtio_blk).
    assert.ok(['initramfs-shell', 'timeout'].includes(bad.kind), bad.kind);
    assert.ok(bad.lastLines.some((l) => /Loading \/initrd\.img-/.test(l)), bad.lastLines.join('\n'));
  });
});
