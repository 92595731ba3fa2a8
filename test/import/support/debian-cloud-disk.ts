import { createHash } from 'node:crypto';
import { readFile, rename, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDeb822Sources, readDebianSources } from '../../../src/engine/base-images/apt-sources.js';
import { runCommand } from '../../../src/engine/system/run-command.js';
import { madeOncePerMachine } from '../../support/machine-cache.js';

/** The machine-wide cache of vendor disks for tests: `<tmp>/kiln-test-debian-cloud-disk/<key>.qcow2`. */
export const CLOUD_DISK_CACHE = join(tmpdir(), 'kiln-test-debian-cloud-disk');
const SCRIPT = new URL('./debian-cloud-disk.sh', import.meta.url).pathname;

/** What the vendor disk is, as the tests check it after an import. */
export interface CloudDisk {
  /** The QCOW2 file (shared: read it, never write it). */
  file: string;
  /** The UUID of its ext4 root file system, named by its /etc/fstab and GRUB's config. */
  rootUuid: string;
  /** The volume id of its FAT EFI system partition, named by its /etc/fstab for /boot/efi. */
  espVolumeId: string;
}

const ROOT_UUID = '6f1b1a7e-1b2c-4d3e-8f90-a1b2c3d4e5f6';
const ESP_VOLUME_ID = 'ABCD-1234';

let cached: Promise<CloudDisk> | undefined;

/**
 * A bootable Debian 12 cloud-style disk (QCOW2) made with Debian's own tools by
 * `debian-cloud-disk.sh` (mmdebstrap, mkfs.ext4 -d, mkfs.fat, sfdisk, GRUB's grub-mkimage run in
 * the guest, qemu-img), NOT by Kiln: another vendor's image for ImportImage. BIOS boot (GRUB in
 * the MBR), root by UUID in /etc/fstab, an ESP on /boot/efi by UUID, systemd-networkd by DHCP,
 * serial console. Made ONCE per machine and recipe (the script, the machine's apt sources, the
 * UUIDs) into `CLOUD_DISK_CACHE/<key>.qcow2` by `madeOncePerMachine` (test/support/machine-cache.ts:
 * a lock folder holding the builder's pid, a temporary folder, the file renamed into place last),
 * so two test processes at once build it once and nobody reads a half-made file.
 */
export function ensureDebianCloudDisk(): Promise<CloudDisk> {
  cached ??= shared().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

async function shared(): Promise<CloudDisk> {
  const sources = formatDeb822Sources((await readDebianSources()).sources);
  const recipe = JSON.stringify({ script: await readFile(SCRIPT, 'utf8'), sources, ROOT_UUID, ESP_VOLUME_ID });
  const key = `debian12-cloud-bios-${createHash('sha256').update(recipe).digest('hex').slice(0, 24)}`;
  const disk: CloudDisk = { file: join(CLOUD_DISK_CACHE, `${key}.qcow2`), rootUuid: ROOT_UUID, espVolumeId: ESP_VOLUME_ID };
  return madeOncePerMachine({
    cacheDir: CLOUD_DISK_CACHE,
    key,
    what: 'the vendor disk for tests',
    find: async () => ((await stat(disk.file).catch(() => undefined)) ? disk : undefined),
    make: async (work) => {
      const made = join(work, 'disk.qcow2');
      await runCommand('sh', [SCRIPT, made, work, ROOT_UUID, ESP_VOLUME_ID], { input: sources });
      await rename(made, disk.file);
    },
  });
}
