import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * Disk images for the import tests, made with independent tools (mkfs.ext4 -d, mkfs.xfs and a
 * kernel mount of our own image in a private namespace, sfdisk, qemu-img), never with Kiln.
 */

const sh = (cmd: string, args: string[], input?: string) => execFileSync(cmd, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], ...(input === undefined ? {} : { input }) });

/**
 * A root file system tree with what an import must keep: modes (setuid, sticky, 0600), owners,
 * xattrs (user, trusted, security.capability), symlinks (relative, absolute, dangling), a hard
 * link group, device nodes, a fifo, a kernel and a bootloader file under /boot.
 */
export function makeRootTree(dir: string): void {
  for (const d of ['etc', 'usr/bin', 'usr/lib', 'dev', 'boot/grub', 'tmp', 'home/user', 'var/empty']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'etc/hostname'), 'imported\n');
  writeFileSync(join(dir, 'etc/shadow'), 'root:*:19000::::::\n', { mode: 0o640 });
  chownSync(join(dir, 'etc/shadow'), 0, 42);
  writeFileSync(join(dir, 'usr/bin/tool'), '#!/bin/sh\necho tool\n', { mode: 0o4755 });
  writeFileSync(join(dir, 'usr/lib/big.bin'), Buffer.alloc(300 * 1024, 7));
  linkSync(join(dir, 'usr/bin/tool'), join(dir, 'usr/bin/tool-link'));
  linkSync(join(dir, 'usr/bin/tool'), join(dir, 'usr/lib/tool-again'));
  symlinkSync('tool', join(dir, 'usr/bin/relative'));
  symlinkSync('/etc/hostname', join(dir, 'usr/bin/absolute'));
  symlinkSync('../nowhere', join(dir, 'usr/bin/dangling'));
  chmodSync(join(dir, 'tmp'), 0o1777);
  writeFileSync(join(dir, 'home/user/notes'), 'mine\n', { mode: 0o600 });
  chownSync(join(dir, 'home/user/notes'), 1000, 1000);
  chownSync(join(dir, 'home/user'), 1000, 1000);
  sh('mknod', ['-m', '0666', join(dir, 'dev/null'), 'c', '1', '3']);
  sh('mknod', ['-m', '0660', join(dir, 'dev/sda'), 'b', '8', '0']);
  sh('mkfifo', ['-m', '0600', join(dir, 'dev/initctl')]);
  sh('setfattr', ['-n', 'user.origin', '-v', 'disk', join(dir, 'etc/hostname')]);
  sh('setfattr', ['-n', 'trusted.marker', '-v', 'kept', join(dir, 'var/empty')]);
  sh('setfattr', ['-n', 'security.capability', '-v', '0sAQAAAgAgAAAAAAAAAAAAAAAAAAA=', join(dir, 'usr/bin/tool')]);
  writeFileSync(join(dir, 'boot/vmlinuz-6.1.0-kiln'), Buffer.alloc(64 * 1024, 1), { mode: 0o600 });
  writeFileSync(join(dir, 'boot/grub/grub.cfg'), 'linux /boot/vmlinuz-6.1.0-kiln root=/dev/vda1\n', { mode: 0o444 });
}

export type FsKind = 'ext4' | 'xfs';

/** A file system image of `bytes` holding `tree` (ext4 through `mkfs.ext4 -d`, XFS populated through a mount of our own image). */
export function makeFilesystem(out: string, kind: FsKind, tree: string | undefined, bytes = 320 * 1024 * 1024): void {
  sh('truncate', ['-s', String(bytes), out]);
  if (kind === 'ext4') {
    sh('mkfs.ext4', ['-q', '-F', ...(tree ? ['-d', tree] : []), out]);
    return;
  }
  sh('mkfs.xfs', ['-q', '-f', out]);
  if (!tree) return;
  const mnt = `${out}.mnt`;
  mkdirSync(mnt);
  sh('unshare', ['--mount', '--propagation', 'private', 'sh', '-c',
    'mount -o loop "$1" "$2" && tar -C "$3" --xattrs --xattrs-include="*" --numeric-owner -cf - . | tar -C "$2" --xattrs --xattrs-include="*" --numeric-owner -xpf - ; rc=$?; umount "$2"; exit $rc',
    'sh', out, mnt, tree]);
  sh('rmdir', [mnt]);
}

export type TableKind = 'gpt' | 'mbr' | 'none';

/**
 * A raw disk holding file system images as partitions (one MiB in; `table: 'none'` is the
 * first file system as the bare disk). `extra` partitions come first (e.g. a swap-like blank).
 */
export function makeRawDisk(out: string, table: TableKind, filesystems: string[]): void {
  if (table === 'none') {
    sh('cp', ['--sparse=always', filesystems[0]!, out]);
    return;
  }
  const sizes = filesystems.map((f) => Number(sh('stat', ['-c', '%s', f]).toString().trim()));
  const total = sizes.reduce((a, b) => a + b, 0) + 2 * 1024 * 1024;
  sh('truncate', ['-s', String(total), out]);
  let start = 2048;
  const lines = [`label: ${table === 'gpt' ? 'gpt' : 'dos'}`];
  for (const size of sizes) {
    lines.push(`start=${start}, size=${size / 512}, type=${table === 'gpt' ? '0FC63DAF-8483-4772-8E79-3D69D8477DE4' : '83'}`);
    start += size / 512;
  }
  sh('sfdisk', ['-q', out], `${lines.join('\n')}\n`);
  start = 2048;
  filesystems.forEach((f, i) => {
    sh('dd', [`if=${f}`, `of=${out}`, 'bs=512', `seek=${start}`, 'conv=notrunc,sparse', 'status=none']);
    start += sizes[i]! / 512;
  });
}

const DRIVER = { raw: 'raw', qcow2: 'qcow2', vhd: 'vpc', vmdk: 'vmdk', vdi: 'vdi' } as const;

/** The raw disk converted to `format` by qemu-img. */
export function convertDisk(raw: string, format: keyof typeof DRIVER, out: string): void {
  sh('qemu-img', ['convert', '-f', 'raw', '-O', DRIVER[format], raw, out]);
}
