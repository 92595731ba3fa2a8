import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessRunning } from '../../blobs/stale-staging.js';

/** What an owned temp dir's name may start with: `kiln-vm` (a VM), `kiln-boot` (`kiln images boot`), `kiln-vmtest-<name>` (a test VM). */
export type OwnedTempDirPrefix = 'kiln-vm' | 'kiln-boot' | `kiln-vmtest-${string}`;

const OWNED = /^(kiln-vm|kiln-boot|kiln-vmtest-[A-Za-z0-9._-]+)-p(\d+)-[A-Za-z0-9]{6}$/;
const NAME = /^(kiln-vm|kiln-boot|kiln-vmtest-[A-Za-z0-9._-]+)$/;

/**
 * A temp dir named after the process that owns it, `<tmp>/<prefix>-p<pid>-XXXXXX`: `kiln-vm`
 * (a VM's overlay, OVMF variables, QMP socket), `kiln-boot` (`kiln images boot`'s exported disk)
 * or `kiln-vmtest-<name>` (a test VM's bootable disk and agent socket). Its owner removes it; one
 * left by a Kiln process that died outright (SIGKILL: its QEMU died with it, by the parent-death
 * signal) is removed when the next one is made here.
 */
export async function makeOwnedTempDir(prefix: OwnedTempDirPrefix, root = tmpdir()): Promise<string> {
  if (!NAME.test(prefix)) throw new Error(`not an owned temp dir prefix: ${JSON.stringify(prefix)}`);
  await removeDeadOwnedDirs(root);
  return mkdtemp(join(root, `${prefix}-p${process.pid}-`));
}

/** Removes the owned temp dirs under `root` whose process no longer runs; returns their names. */
export async function removeDeadOwnedDirs(root = tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const pid = OWNED.exec(name)?.[2];
    if (pid === undefined || Number(pid) === process.pid || isProcessRunning(Number(pid))) continue;
    await rm(join(root, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
