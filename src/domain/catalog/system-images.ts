import type { Image } from '../image.js';
import { SYSTEM_ACCOUNT_ID } from '../component.js';

/**
 * The base images every account can build from. Each is a real root filesystem, made on the
 * machine the first time a build uses it (busybox from Debian's busybox-static; Debian minbase
 * and the Debian 12 VM base with mmdebstrap from the machine's configured mirror). The VM base
 * is the one with a kernel: it exports as a disk that boots (see docs/vm-images.md).
 */
export const SYSTEM_IMAGES: readonly Omit<Image, 'regionId'>[] = [
  {
    imageId: 'busybox_x64_20G_kiln_base.vhd',
    accountId: SYSTEM_ACCOUNT_ID,
    imageName: 'busybox_x64_20G_kiln_base.vhd',
    imageFamily: 'acs:busybox_x64',
    description: 'BusyBox (static) root filesystem: a shell and the core utilities in about 2 MB.',
    imageOwnerAlias: 'system',
    osType: 'linux',
    osName: 'BusyBox 64位',
    osNameEn: 'BusyBox 64 bit',
    platform: 'Others Linux',
    architecture: 'x86_64',
    bootMode: 'BIOS',
    size: 20,
    status: 'Available',
    isSupportCloudinit: false,
    creationTime: '2026-11-01T00:00:00Z',
    tags: [],
  },
  {
    imageId: 'debian_minbase_x64_20G_kiln_base.vhd',
    accountId: SYSTEM_ACCOUNT_ID,
    imageName: 'debian_minbase_x64_20G_kiln_base.vhd',
    imageFamily: 'acs:debian_minbase_x64',
    description: 'Debian minbase (mmdebstrap --variant=minbase) from the configured Debian mirror.',
    imageOwnerAlias: 'system',
    osType: 'linux',
    osName: 'Debian 64位',
    osNameEn: 'Debian 64 bit',
    platform: 'Debian',
    architecture: 'x86_64',
    bootMode: 'BIOS',
    size: 20,
    status: 'Available',
    isSupportCloudinit: false,
    creationTime: '2026-11-01T00:00:00Z',
    tags: [],
  },
  {
    imageId: 'debian_12_x64_20G_kiln_vm.vhd',
    accountId: SYSTEM_ACCOUNT_ID,
    imageName: 'debian_12_x64_20G_kiln_vm.vhd',
    imageFamily: 'acs:debian_12_x64',
    description: 'Debian 12 that boots as a VM: cloud kernel, initramfs with the virtio drivers, systemd, eth0 by DHCP, a serial console on ttyS0, growpart and resize2fs; from the configured Debian mirror. Root is locked: add access (e.g. an SSH key) in the build.',
    imageOwnerAlias: 'system',
    osType: 'linux',
    osName: 'Debian 12 64位',
    osNameEn: 'Debian 12 64 bit',
    platform: 'Debian',
    architecture: 'x86_64',
    bootMode: 'UEFI-Preferred',
    size: 20,
    status: 'Available',
    isSupportCloudinit: false,
    creationTime: '2026-12-01T00:00:00Z',
    tags: [],
    // linux-image-cloud-amd64 has the NVMe driver built in (CONFIG_BLK_DEV_NVME=y)
    features: { nvmeSupport: 'supported' },
  },
];
