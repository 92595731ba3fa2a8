import { createHash } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerStore } from '../layers/layer-store.js';
import { formatDeb822Sources, readDebianSources, type DebianSources } from './apt-sources.js';
import type { DebianBaseLayer, DebianOptions } from './debian.js';
import { finishDebianTree, putFile } from './debian-tree.js';
import { listInitramfs } from './initramfs.js';
import { mmdebstrapMinbase } from './mmdebstrap.js';
import { hostBase, makeRecordedBase, sharedBuild } from './recorded-base.js';

/** Bumped whenever the recipe below changes (a new recipe is a new cache key). */
const RECIPE_VERSION = 1;
const STAGING_PREFIX = 'debian-vm-';
/** The VM base is Debian 12 whatever release the machine runs: its mirror, bookworm's suites. */
export const DEBIAN_VM_SUITE = 'bookworm';

/**
 * What the minbase variant gets to boot as a VM: the cloud kernel (virtio, NVMe, no hardware
 * drivers a cloud instance never has), systemd as init with udev and D-Bus, initramfs-tools,
 * ifupdown with the ISC DHCP client (eth0 by DHCP), iproute2 and procps, and the tools of
 * OnlineResizeFS (growpart from cloud-guest-utils, resize2fs from e2fsprogs, sfdisk from fdisk).
 */
export const DEBIAN_VM_PACKAGES: readonly string[] = [
  'linux-image-cloud-amd64', 'systemd', 'systemd-sysv', 'udev', 'dbus', 'initramfs-tools', 'kmod',
  'ifupdown', 'isc-dhcp-client', 'iproute2', 'procps', 'cloud-guest-utils', 'e2fsprogs', 'fdisk',
];

/** The image's `/etc/kernel/cmdline`: both consoles (the serial one gets a getty), and the first NIC named eth0. */
export const DEBIAN_VM_CMDLINE = 'console=tty0 console=ttyS0,115200n8 net.ifnames=0';

/** Modules the initramfs must hold for the root disk and the NIC of a virtio machine. */
export const REQUIRED_INITRAMFS_MODULES: readonly string[] = ['virtio_blk', 'virtio_net', 'virtio_pci'];

const FSTAB = `# /etc/fstab: static file system information.
# Kiln writes the / and /boot/efi lines by UUID when it exports the image as a disk;
# other lines are kept as they are.
LABEL=kiln-root / ext4 errors=remount-ro 0 1
`;
const INITRAMFS_CONF = `# Kiln: every module a virtual machine may need for its root disk (virtio, NVMe, ...), not
# only those of the machine update-initramfs runs on (a build instance has none of them).
# gzip: Kiln reads the initramfs to check it (RepairMode's Virtio item).
MODULES=most
COMPRESS=gzip
`;
const ETH0 = '# Kiln: the first NIC (eth0: net.ifnames=0 on the kernel command line) gets its address by DHCP.\nauto eth0\niface eth0 inet dhcp\n';
const HOSTS = '127.0.0.1\tlocalhost\n127.0.1.1\tdebian\n::1\t\tlocalhost ip6-localhost ip6-loopback\nff02::1\t\tip6-allnodes\nff02::2\t\tip6-allrouters\n';

/** The Debian 12 VM base's single layer: a minbase layer that boots, with the kernel it boots. */
export interface DebianVmLayer extends DebianBaseLayer {
  /** The kernel's version: `/boot/vmlinuz-<version>` and `/boot/initrd.img-<version>`. */
  kernelVersion: string;
}

const inflight = new Map<string, Promise<DebianVmLayer>>();

/**
 * The Debian 12 VM base's rootfs layer, made on first use and kept, the way the minbase is (see
 * `ensureDebianMinbase`: mmdebstrap --mode=unshare from the machine's mirror into a staging
 * folder, one layer captured, recorded for every host, crash-safe, callers at the same
 * time share one build), with `DEBIAN_VM_PACKAGES` and bookworm's suites of the machine's sources.
 *
 * Besides the minbase finish, the tree has `/etc/kernel/cmdline` (`DEBIAN_VM_CMDLINE`: a getty
 * on ttyS0 comes from systemd's getty generator), `/etc/fstab` mounting `LABEL=kiln-root` on
 * `/` (the export rewrites it by UUID), `/etc/network/interfaces.d/eth0` (DHCP), an empty
 * `/etc/machine-id` (each VM makes its own at first boot), `/etc/hosts`, and initramfs-tools
 * pinned to `MODULES=most` and gzip. Root stays locked: access comes from the build's content
 * (an SSH key, a user). The build fails when the initramfs lacks a `REQUIRED_INITRAMFS_MODULES`.
 */
export function ensureDebianVm(layers: LayerStore, options: DebianOptions = {}): Promise<DebianVmLayer> {
  return sharedBuild(inflight, `${layers.root}\0debian-vm`, () => buildOnce(layers, options));
}

/** The machine's sources with the suites of its first suite's release renamed to bookworm's (`trixie-updates` → `bookworm-updates`). */
export function debianVmSources(machine: DebianSources): DebianSources {
  const from = machine.suite;
  const rename = (s: string) => (s === from ? DEBIAN_VM_SUITE : s.startsWith(`${from}-`) ? `${DEBIAN_VM_SUITE}${s.slice(from.length)}` : s);
  return { ...machine, suite: DEBIAN_VM_SUITE, sources: machine.sources.map((s) => ({ ...s, suites: s.suites.map(rename) })) };
}

/** The cache key of the VM base made from these (machine) sources. */
export function debianVmKey(machine: DebianSources): string {
  const sources = debianVmSources(machine);
  const what = JSON.stringify({ recipe: RECIPE_VERSION, arch: process.arch, mirror: sources.mirror, sources: formatDeb822Sources(sources.sources), packages: DEBIAN_VM_PACKAGES, cmdline: DEBIAN_VM_CMDLINE });
  return `debian-vm-${DEBIAN_VM_SUITE}-${createHash('sha256').update(what).digest('hex').slice(0, 32)}-r${RECIPE_VERSION}`;
}

async function buildOnce(layers: LayerStore, options: DebianOptions): Promise<DebianVmLayer> {
  if (process.arch !== 'x64') throw new Error(`the Debian 12 VM base is made for x86_64 (linux-image-cloud-amd64); this machine is ${process.arch}`);
  let machine: DebianSources | undefined;
  const key = async () => debianVmKey((machine = await readDebianSources(options.sourcesFiles)));
  return hostBase<DebianVmLayer>(layers, 'debian-vm', key, (k) => makeRecordedBase<DebianVmLayer>(layers, k, STAGING_PREFIX, async (root) => {
    const sources = debianVmSources(machine!);
    await mmdebstrapMinbase(root, sources, { include: DEBIAN_VM_PACKAGES, what: 'the Debian 12 VM base', ...(options.mmdebstrap ? { mmdebstrap: options.mmdebstrap } : {}) });
    await finishDebianTree(root, sources);
    await finishVmTree(root);
    const kernelVersion = await checkBootFiles(root);
    return { mirror: sources.mirror, suite: sources.suite, kernelVersion };
  }));
}

async function finishVmTree(root: string): Promise<void> {
  const at = (p: string) => join(root, p);
  await putFile(at('etc/kernel/cmdline'), `${DEBIAN_VM_CMDLINE}\n`, 0o644);
  await putFile(at('etc/fstab'), FSTAB, 0o644);
  await putFile(at('etc/machine-id'), '', 0o444);
  await rm(at('var/lib/dbus/machine-id'), { force: true });
  await putFile(at('etc/hosts'), HOSTS, 0o644);
  await putFile(at('etc/network/interfaces.d/eth0'), ETH0, 0o644);
  await putFile(at('etc/initramfs-tools/conf.d/kiln-vm.conf'), INITRAMFS_CONF, 0o644);
}

/** The one kernel's version, once its initramfs is known to hold the virtio modules. */
async function checkBootFiles(root: string): Promise<string> {
  const kernels = (await readdir(join(root, 'boot'))).filter((n) => n.startsWith('vmlinuz-')).map((n) => n.slice('vmlinuz-'.length));
  if (kernels.length !== 1) throw new Error(`the Debian 12 VM base should have one kernel in /boot, it has ${kernels.length}`);
  const version = kernels[0]!;
  const names = await listInitramfs(join(root, 'boot', `initrd.img-${version}`));
  const modules = new Set(names.map((n) => /([^/]+)\.ko(?:\.[a-z]+)?$/.exec(n)?.[1]).filter((m) => m !== undefined));
  const missing = REQUIRED_INITRAMFS_MODULES.filter((m) => !modules.has(m));
  if (missing.length > 0) throw new Error(`the initramfs of the Debian 12 VM base (kernel ${version}) lacks ${missing.join(', ')}`);
  return version;
}
