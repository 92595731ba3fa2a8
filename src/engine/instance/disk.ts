import { open, rm } from 'node:fs/promises';
import { statfs } from 'node:fs/promises';
import { runCommand } from '../system/run-command.js';
import { unmount } from './mounts.js';

/**
 * The instance's system disk: a sparse file formatted ext4 and loop-mounted, sized to the
 * template's SystemDiskSize. Every step's upper dir (and the overlay work dir) lives on it, so
 * a build that writes past the size gets ENOSPC like on a full disk. Creating it costs a
 * `truncate` and an `mkfs.ext4` with lazy inode tables and no journal (a throwaway disk), not
 * the disk's size. `mount -o loop` sets the loop device to auto-clear, so unmounting frees it.
 */
export async function createDisk(imagePath: string, mountPoint: string, sizeBytes: number): Promise<void> {
  const handle = await open(imagePath, 'wx', 0o600);
  try {
    await handle.truncate(sizeBytes);
  } finally {
    await handle.close();
  }
  try {
    await runCommand('mkfs.ext4', [
      '-q',
      '-F',
      '-m',
      '0',
      '-O',
      '^has_journal',
      '-E',
      'lazy_itable_init=1,lazy_journal_init=1,nodiscard',
      '-L',
      'kiln-disk',
      imagePath,
    ]);
    // it holds the steps' upper dirs: the container execs and runs setuid files through the
    // overlay (whose own flags count), never from this mount
    await runCommand('mount', ['-t', 'ext4', '-o', 'loop,noatime,nosuid,nodev', imagePath, mountPoint]);
  } catch (err) {
    await rm(imagePath, { force: true });
    throw err;
  }
}

/** Unmounts the disk (freeing its loop device) and deletes its image. */
export async function removeDisk(imagePath: string, mountPoint: string): Promise<void> {
  await unmount(mountPoint);
  await rm(imagePath, { force: true });
}

/** Free bytes and inodes left on the disk, as the build would see them. */
export async function diskFree(mountPoint: string): Promise<{ bytes: number; totalBytes: number; inodes: number }> {
  const s = await statfs(mountPoint);
  return { bytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize, inodes: s.ffree };
}
