import type { Image } from '../image.js';
import { SYSTEM_ACCOUNT_ID } from '../component.js';

/**
 * The base images every account can build from. Each is a real root filesystem, made on the
 * machine the first time a build uses it (busybox from Debian's busybox-static; Debian minbase
 * with mmdebstrap from the machine's configured mirror).
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
];
