import { chmodSync, mkdirSync } from 'node:fs';

/**
 * Creates the data dir when missing and makes it 0700, owner (Kiln, root) only. Nothing under it
 * is then reachable by another host user, whatever the modes below it: the layer store holds
 * image files as they are (setuid binaries, device nodes), instances hold their disks, the
 * database and the default credentials are there. Build steps never need to reach into it: runc
 * enters a step's root filesystem from the machine-wide run folder (see `RuncInstanceDriver`).
 * A data dir made by an older Kiln (0755) is tightened at the next start.
 */
export function secureDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
}
