import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { isProcessRunning } from '../../../src/blobs/stale-staging.js';
import { formatDeb822Sources, readDebianSources } from '../../../src/engine/base-images/apt-sources.js';
import { runCommand } from '../../../src/engine/system/run-command.js';

/** The machine-wide cache of vendor disks for tests: `<tmp>/kiln-test-debian-cloud-disk/<key>.qcow2`. */
export const CLOUD_DISK_CACHE = join(tmpdir(), 'kiln-test-debian-cloud-disk');
const SCRIPT = new URL('./debian-cloud-disk.sh', import.meta.url).pathname;
/** How long a process waits for another one's build (mmdebstrap + mkfs: ~70 s here; generous, not a timing assertion). */
const WAIT_FOR_OTHER_MS = 20 * 60_000;

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
 * UUIDs) into `CLOUD_DISK_CACHE/<key>.qcow2`: under a lock folder holding the builder's pid (a
 * dead builder's lock is taken over), in a temporary folder, renamed into place last, so two
 * test processes at once build it once and nobody reads a half-made file.
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
  const lock = join(CLOUD_DISK_CACHE, `${key}.lock`);
  await mkdir(CLOUD_DISK_CACHE, { recursive: true });
  const deadline = Date.now() + WAIT_FOR_OTHER_MS;
  for (;;) {
    if (await exists(disk.file)) return disk;
    if (await takeLock(lock)) {
      try {
        if (!(await exists(disk.file))) await build(disk.file, sources);
        return disk;
      } finally {
        await rm(lock, { recursive: true, force: true });
      }
    }
    if (Date.now() > deadline) throw new Error(`the vendor disk for tests: another process has held ${lock} for more than ${WAIT_FOR_OTHER_MS / 60_000} minutes`);
    await delay(500); // another process is making it: poll for its result (or its death)
  }
}

async function build(file: string, sources: string): Promise<void> {
  for (const name of await readdir(CLOUD_DISK_CACHE)) {
    const pid = /\.tmp-(\d+)-[0-9a-f]+$/.exec(name)?.[1];
    if (pid !== undefined && !isProcessRunning(Number(pid))) await rm(join(CLOUD_DISK_CACHE, name), { recursive: true, force: true });
  }
  const work = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await mkdir(work);
  try {
    const made = join(work, 'disk.qcow2');
    await runCommand('sh', [SCRIPT, made, work, ROOT_UUID, ESP_VOLUME_ID], { input: sources });
    await rename(made, file);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

/** Creates the lock folder with our pid inside; takes over one whose owner died (or that never got an owner within a minute). */
async function takeLock(lock: string): Promise<boolean> {
  try {
    await mkdir(lock);
    await writeFile(join(lock, 'pid'), String(process.pid));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const owner = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => ''));
  const age = Date.now() - ((await stat(lock).catch(() => undefined))?.mtimeMs ?? Date.now());
  if (owner > 0 ? !isProcessRunning(owner) : age > 60_000) await rm(lock, { recursive: true, force: true });
  return false;
}
