import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessRunning } from '../../blobs/stale-staging.js';

const OWNED = /^(kiln-vm|kiln-boot)-p(\d+)-[A-Za-z0-9]{6}$/;

/**
 * A temp dir named after the process that owns it, `<tmp>/<prefix>-p<pid>-XXXXXX`: `kiln-vm`
 * (a VM's overlay, OVMF variables, QMP socket) or `kiln-boot` (`kiln images boot`'s exported
 * disk). Its owner removes it; one left by a Kiln process that died outright (SIGKILL: its QEMU
 * died with it, by the parent-death signal) is removed when the next one is made here.
 */
export async function makeOwnedTempDir(prefix: 'kiln-vm' | 'kiln-boot', root = tmpdir()): Promise<string> {
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
