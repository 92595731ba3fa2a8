import { KilnError } from '../../domain/errors.js';
import { runBounded, startBounded, type BoundedProcess } from './bounded-process.js';
import type { FoundFilesystem } from './filesystem-probe.js';

/**
 * Mounts one file system of a raw disk read-only, in namespaces of its own, and either says
 * what its top holds (`probe`: `etc`, `usr`, `boot` or `none` on stdout) or writes its tree as a
 * PAX tar to stdout (`tar`: GNU tar, numeric owners, every xattr, hard links, device nodes,
 * sorted; a separate /boot file system as `boot/`; an empty `lost+found` at the top left out:
 * it is the file system's own, and an export's mkfs makes it again).
 *
 * - ext2/3/4 is read in user space by `fuse2fs -o ro` (the kernel's ext4 driver never parses
 *   the hostile image; `use_ino` keeps inode numbers, so hard links stay links).
 * - XFS has no user-space reader on Debian: `xfs_repair -n` checks it first, then the kernel
 *   mounts it `ro,norecovery,nodev,nosuid,noexec` from a read-only loop device (residual risk:
 *   docs/api-notes/import.md). The loop device is detached as soon as it is mounted, so the
 *   kernel frees it with the mount.
 *
 * The mount lives in a private mount namespace and a PID namespace whose init is this script
 * (`unshare --kill-child`): however the script ends (its exit, a failure, SIGKILL of unshare on
 * cancel), the kernel kills fuse2fs and drops the namespace, and the mount with it. The host
 * never sees it. The reader (fuse2fs, xfs_repair, tar), which parses the hostile image as root,
 * also gets empty network, IPC and UTS namespaces: nothing to reach if it is subverted. Exit codes: 3 mount failed, 4 no loop device, 5 xfs_repair found problems,
 * 6 tar failed, 7 a directory reached by more than one path (checked before tar walks the tree).
 */
const SCRIPT = `
set -u
mode=$1 img=$2 kind=$3 off=$4 size=$5 mnt=$6 bkind=$7 boff=$8 bsize=$9 bmnt=\${10}
mount_fs() {
  if [ "$1" = ext ]; then
    fuse2fs "$img" "$4" -o "ro,use_ino,offset=$2" >&2 || exit 3
  else
    dev=$(losetup --find --show --read-only --offset "$2" --sizelimit "$3" "$img") || exit 4
    if ! xfs_repair -n "$dev" >/dev/null 2>&1; then losetup -d "$dev"; echo "xfs_repair -n found problems" >&2; exit 5; fi
    if ! mount -t xfs -o ro,norecovery,nodev,nosuid,noexec "$dev" "$4" >&2; then losetup -d "$dev"; exit 3; fi
    losetup -d "$dev"
  fi
}
real_dir() { [ -d "$1" ] && [ ! -L "$1" ]; }
# Every directory once: a directory reached by two paths (a hard link to a directory, a cycle)
# would make tar walk forever; find reports loops on stderr, which is not a number either.
one_path_each() {
  find "$1" -xdev -type d -printf '%i\\n' 2>&1 | awk '!/^[0-9]+$/ || seen[$0]++ { exit 1 }' || { echo "a directory is reached by more than one path" >&2; exit 7; }
}
mount_fs "$kind" "$off" "$size" "$mnt"
if [ "$mode" = probe ]; then
  if real_dir "$mnt/etc"; then echo etc
  elif real_dir "$mnt/usr"; then echo usr
  elif ls "$mnt" | grep -Eq '^(vmlinuz.*|grub|grub2|loader)$'; then echo boot
  else echo none; fi
  umount "$mnt"
  exit 0
fi
one_path_each "$mnt"
set -- -cf - --numeric-owner --xattrs --xattrs-include='*' --sort=name --format=pax --pax-option=delete=atime,delete=ctime
# An empty lost+found at the top is the file system's own (mkfs makes it), not content.
if real_dir "$mnt/lost+found" && [ -z "$(ls -A "$mnt/lost+found")" ]; then set -- "$@" --anchored --no-wildcards --exclude=./lost+found; fi
set -- "$@" -C "$mnt" .
# A separate /boot goes in as boot/ when the root's own /boot is an empty directory.
if [ "$bkind" != none ] && real_dir "$mnt/boot" && [ -z "$(ls -A "$mnt/boot")" ]; then
  mount_fs "$bkind" "$boff" "$bsize" "$bmnt"
  one_path_each "$bmnt"
  set -- "$@" -C "$(dirname "$bmnt")" boot
fi
tar "$@" || exit 6
# Unmounted here, not left to the namespace's end: the loop device is free when this exits.
if [ "$bkind" != none ] && mountpoint -q "$bmnt"; then umount "$bmnt"; fi
umount "$mnt"
`;

export type ReaderMode = 'probe' | 'tar';

/**
 * Starts the reader of `fs` in `rawFile` with `mountDir` (empty, private to the import) as its
 * mount point; in `tar` mode, `boot` (a separate /boot file system) is mounted at `bootDir` (an
 * empty directory named `boot`) and archived as `boot/` when the root's /boot is empty.
 */
export function startReader(mode: ReaderMode, fs: FoundFilesystem, rawFile: string, mountDir: string, signal?: AbortSignal, boot?: { fs: FoundFilesystem; dir: string }): BoundedProcess {
  const second = boot ? [boot.fs.kind, String(boot.fs.start), String(boot.fs.size), boot.dir] : ['none', '0', '0', '/nonexistent'];
  const args = ['--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child', '--net', '--ipc', '--uts', '--', 'sh', '-c', SCRIPT, 'kiln-disk-reader',
    mode, rawFile, fs.kind, String(fs.start), String(fs.size), mountDir, ...second];
  const reader = startBounded('unshare', args, signal, mode === 'probe');
  if (fs.kind !== 'xfs' && boot?.fs.kind !== 'xfs') return reader;
  const done = reader.done.then(async (end) => {
    await detachLoops(rawFile);
    return end;
  });
  return { child: reader.child, done };
}

/**
 * Detaches the loop devices still attached to `rawFile`: a reader killed between `losetup` and
 * the mount (after which the kernel frees the device with the mount) leaves one. `rawFile` is
 * the import's own (a converted copy in its temporary folder), so every device on it is this
 * import's.
 */
async function detachLoops(rawFile: string): Promise<void> {
  const { stdout } = await runBounded('losetup', ['--list', '--noheadings', '--output', 'NAME', '--associated', rawFile]);
  for (const dev of stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('/dev/loop'))) {
    await runBounded('losetup', ['--detach', dev]);
  }
}

/** What the top of a file system holds: a root's `etc` or `usr`, a /boot's kernel or bootloader, or none of them. */
export type FilesystemTop = 'etc' | 'usr' | 'boot' | 'none';

/** What the top of `fs` holds. A file system that does not mount is `InvalidImage.DiskCorrupt`. */
export async function probeRoot(fs: FoundFilesystem, rawFile: string, mountDir: string, signal?: AbortSignal): Promise<FilesystemTop> {
  const end = await startReader('probe', fs, rawFile, mountDir, signal).done;
  signal?.throwIfAborted();
  if (end.code !== 0) throw unreadable(fs, end.code, end.stderr);
  const answer = end.stdout.trim();
  return answer === 'etc' || answer === 'usr' || answer === 'boot' ? answer : 'none';
}

const READER_FAILURES: Readonly<Record<number, string>> = {
  3: 'it does not mount',
  5: 'xfs_repair -n found it inconsistent',
  6: 'reading its tree failed',
  7: 'a directory is reached by more than one path (a directory hard link or a loop)',
};

export function unreadable(fs: FoundFilesystem, code: number, stderr: string): KilnError {
  const what = READER_FAILURES[code] ?? `its reader exited ${code}`;
  const detail = stderr.trim().split('\n').slice(-2).join(' ').slice(0, 300);
  return new KilnError('InvalidImage.DiskCorrupt', `The ${fs.kind === 'xfs' ? 'XFS' : 'ext'} file system in the disk's ${fs.name} cannot be read: ${what}${detail ? ` (${detail})` : ''}.`);
}
