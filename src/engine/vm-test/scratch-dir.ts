import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessRunning } from '../../blobs/stale-staging.js';

const PREFIX = 'kiln-vmtest-';
const OWNED = /-p(\d+)-[A-Za-z0-9]{6}$/;

/**
 * A test VM's scratch dir (its bootable disk, the agent's socket): `<root>/kiln-vmtest-<name>-p<pid>-XXXXXX`,
 * named after the Kiln process that owns it. The instance removes it when it ends; one left by
 * a Kiln process that died (killed outright: its QEMU died with it, by the parent-death signal)
 * is removed by the next test VM's start here.
 */
export async function makeScratchDir(name: string, root = tmpdir()): Promise<string> {
  await removeDeadScratchDirs(root);
  return mkdtemp(join(root, `${PREFIX}${name}-p${process.pid}-`));
}

/** Removes the scratch dirs under `root` whose owning process no longer runs; returns their names. */
export async function removeDeadScratchDirs(root = tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const pid = name.startsWith(PREFIX) ? OWNED.exec(name)?.[1] : undefined;
    if (pid === undefined || Number(pid) === process.pid || isProcessRunning(Number(pid))) continue;
    await rm(join(root, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
