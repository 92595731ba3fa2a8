import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertNoLeftovers, build, logsContaining, uniqueName } from '../support/builds.js';
import { kilnFixture } from '../support/kiln-fixture.js';
import { repairResultsByItem } from './support/repair-results.js';

/*
 * The VM branches of the GUESTOS items on cases the Debian VM image of repair-vm.test.ts does
 * not have, through the SDK on busybox made to look like a VM image (a /boot/vmlinuz-<v> and
 * /lib/modules/<v>: `has_kernel`), seconds per build: what is left alone (/, /boot/efi, nofail,
 * noauto, pseudo file systems, an image's own GRUB config), what cannot be repaired and says
 * why (no initramfs reader, no apt-get), and the systemd-networkd repair (a .network file and
 * the unit enabled by its symlinks). The build's RUN step after REPAIRING shows the repaired
 * files. The real kernel, initramfs and boot are in repair-vm.test.ts.
 */

const fx = kilnFixture({ KILN_WORKERS: '1' });

/** A kernel (its version `v`) and, unless `initrd` is false, its initramfs; /lib/modules/<v>. */
const kernel = (v: string, initrd = true) => `RUN mkdir -p /boot /lib/modules/${v} && touch /boot/vmlinuz-${v}${initrd ? ` /boot/initrd.img-${v}` : ''}`;

/** Builds an image on busybox with the `setup` steps, then one on it with RepairMode=Standard and the `show` steps after REPAIRING. */
async function repairOn(setup: string[], show: string[]): Promise<{ results: ReturnType<typeof repairResultsByItem>; logs: string }> {
  const { kiln } = fx;
  const base = uniqueName('vm-like');
  const made = await build(kiln.clients.v3, { name: base, imageName: base, buildContent: setup.join('\n') });
  assert.equal(made.item.status, 'SUCCESS', JSON.stringify(made.item));
  const name = uniqueName('vm-like-repaired');
  const { executionId, item } = await build(kiln.clients.v3, { name, imageName: name, baseImage: made.item.imageId!, repairMode: 'Standard', buildContent: [...show, 'RUN echo repaired-tree-shown'].join('\n') });
  const logs = await logsContaining(kiln.app.store, executionId, 'repaired-tree-shown');
  assert.equal(item.status, 'SUCCESS', `${JSON.stringify(item)}\n${logs}`);
  await assertNoLeftovers(kiln.config.dataDir, executionId);
  return { results: repairResultsByItem(logs), logs };
}

describe('GUESTOS items on an image with a kernel', () => {
  test('left alone or reported: built-in virtio, fstab lines that boot, no cmdline, the image\'s GRUB config, no apt-get', async (t) => {
    const { results, logs } = await repairOn([
      kernel('6.1.0-1-test'),
      "RUN printf 'CONFIG_VIRTIO_BLK=y\\nCONFIG_VIRTIO_NET=y\\nCONFIG_VIRTIO_PCI=y\\n' > /boot/config-6.1.0-1-test",
      "RUN printf '/dev/vda1 / ext4 defaults 0 1\\nUUID=AB12-CD34 /boot/efi vfat umask=0077 0 1\\n/dev/sdb1 /data ext4 defaults,nofail 0 2\\nLABEL=backup /backup ext4 noauto 0 0\\n# /dev/sdc1 /old ext4 defaults 0 0\\ntmpfs /tmp tmpfs defaults 0 0\\n' > /etc/fstab",
      "RUN mkdir -p /boot/grub && printf 'linux /vmlinuz-6.1.0-1-test root=/dev/sda1 ro quiet\\n' > /boot/grub/grub.cfg",
      "RUN mkdir -p /etc/network && printf 'auto lo\\niface lo inet loopback\\nauto eth0\\niface eth0 inet static\\n  address 192.0.2.10/24\\n' > /etc/network/interfaces",
    ], ['RUN cat /etc/fstab']);
    for (const [item, r] of Object.entries(results)) t.diagnostic(`${item}: ${r.status} (${r.detail})`);
    assert.deepEqual(results['GUESTOS.Virtio'], { status: 'OK', detail: '/boot/initrd.img-6.1.0-1-test has virtio_blk, virtio_net and virtio_pci (or the kernel has them built in)' });
    assert.equal(results['GUESTOS.Fstab']?.status, 'OK');
    assert.match(logs, /^\/dev\/sdb1 \/data ext4 defaults,nofail 0 2$/m, 'fstab unchanged');
    assert.equal(results['GUESTOS.Grub']?.status, 'NOT REPAIRED');
    assert.match(results['GUESTOS.Grub']!.detail, /^the image's own GRUB configuration \(\/boot\/grub\/grub\.cfg\): no console=ttyS0 on its kernel command line; it names the root disk by device/);
    assert.deepEqual(results['GUESTOS.Dhcp'], { status: 'NOT REPAIRED', detail: '/etc/network/interfaces configures eth0 statically; ECS instances get their address by DHCP' });
    assert.match(results['GUESTOS.OnlineResizeFS']!.detail, /^missing: growpart resize2fs, .*; no apt-get to install them/);
    assert.match(results['GUESTOS.CloudInit']!.detail, /no apt-get to install it/);
    assert.equal(results['GUESTOS.CloudInit']?.status, 'NOT REPAIRED');
  });

  test('repaired: fstab without nofail, cmdline fixed, a kernel without initramfs not booted, DHCP by systemd-networkd enabled and eth0 named; an initramfs Kiln cannot read', async (t) => {
    const { results, logs } = await repairOn([
      kernel('6.1.0-1-test'),
      kernel('6.2.0-1-test', false),
      "RUN printf '/dev/vda1 / ext4 defaults 0 1\\n/dev/sdb1 /data ext4\\nPARTUUID=0a0b /srv xfs rw 0 0\\n' > /etc/fstab",
      "RUN mkdir -p /etc/kernel && echo 'quiet root=/dev/sda1 console=tty0' > /etc/kernel/cmdline",
      "RUN rm -f /etc/network/interfaces && mkdir -p /etc/systemd/network && printf '[Match]\\nName=eth0\\n\\n[Network]\\nDHCP=ipv4\\n' > /etc/systemd/network/10-eth.network",
      'RUN mkdir -p /lib/systemd/system && touch /lib/systemd/system/systemd-networkd.service /lib/systemd/system/systemd-networkd.socket /lib/systemd/system/systemd-networkd-wait-online.service',
    ], [
      'RUN cat /etc/fstab /etc/kernel/cmdline',
      'RUN for l in multi-user.target.wants/systemd-networkd.service sockets.target.wants/systemd-networkd.socket network-online.target.wants/systemd-networkd-wait-online.service; do echo "link $l -> $(readlink /etc/systemd/system/$l)"; done',
    ]);
    for (const [item, r] of Object.entries(results)) t.diagnostic(`${item}: ${r.status} (${r.detail})`);
    assert.deepEqual(results['GUESTOS.Fstab'], { status: 'REPAIRED', detail: 'added nofail,x-systemd.device-timeout=5s to /dev/sdb1 (/data) PARTUUID=0a0b (/srv): the image\'s disk holds only / (and /boot/efi), so these disks are absent at first boot and systemd would stop in emergency mode' });
    assert.match(logs, /^\/dev\/sdb1\t\/data\text4\tdefaults,nofail,x-systemd\.device-timeout=5s$/m);
    assert.match(logs, /^\/dev\/vda1 \/ ext4 defaults 0 1$/m, 'the / line is left to the export');
    assert.equal(results['GUESTOS.Grub']?.status, 'REPAIRED');
    assert.match(results['GUESTOS.Grub']!.detail, /^\/etc\/kernel\/cmdline: removed root=\/dev\/sda1 .*; added console=ttyS0,115200n8 .* \(\/boot\/vmlinuz-6\.2\.0-1-test has no initramfs and is not booted\)$/);
    assert.match(logs, /^quiet console=tty0 net\.ifnames=0 console=ttyS0,115200n8$/m);
    assert.deepEqual(results['GUESTOS.Dhcp'], { status: 'REPAIRED', detail: 'systemd-networkd: /etc/systemd/network/10-eth.network enables DHCP: added net.ifnames=0 to /etc/kernel/cmdline (so the first NIC is named eth0); enabled systemd-networkd' });
    for (const [target, unit] of [['multi-user', 'systemd-networkd.service'], ['sockets', 'systemd-networkd.socket'], ['network-online', 'systemd-networkd-wait-online.service']]) {
      assert.ok(logs.includes(`link ${target}.target.wants/${unit} -> /lib/systemd/system/${unit}\n`), `${unit} enabled in ${target}.target`);
    }
    assert.equal(results['GUESTOS.Virtio']?.status, 'NOT REPAIRED');
    assert.match(results['GUESTOS.Virtio']!.detail, /^cannot read \/boot\/initrd\.img-6\.1\.0-1-test to find virtio_blk virtio_net virtio_pci in it: neither lsinitramfs/);
  });
});
