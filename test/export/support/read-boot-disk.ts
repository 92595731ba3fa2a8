import { execFile } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import { promisify } from 'node:util';

/*
 * Reading a bootable export as a user can, without mounting it: where its partitions are, the
 * boot (FAT) partition's files through mtools, the first bytes of the disk (the boot code).
 */

const run = promisify(execFile);

export const MiB = 1024 * 1024;
/** Where the root (ext4) partition starts in every boot layout: after the 256 MiB boot partition at 1 MiB. */
export const ROOT_OFFSET = 257 * MiB;

/**
 * Runs the mtools `command` (mdir, mtype, ...) with `args` on the boot partition of `disk` (the
 * FAT partition at 1 MiB): the last argument is the `::path`; gives its standard output.
 */
export async function onBootPartition(disk: string, command: string, ...args: string[]): Promise<Buffer> {
  const operands = [...args.slice(0, -1), '-i', `${disk}@@${MiB}`, ...args.slice(-1)];
  const env = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
  return (await run(command, operands, { env, maxBuffer: 64 * MiB, encoding: 'buffer' })).stdout;
}

/** The first `bytes` bytes of the file at `path` (the MBR's boot code: 440). */
export function firstBytes(path: string, bytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(bytes);
    readSync(fd, b, 0, bytes, 0);
    return b;
  } finally {
    closeSync(fd);
  }
}
