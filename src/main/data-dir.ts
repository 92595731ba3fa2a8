import { makePrivateDir } from '../engine/system/private-dir.js';

/**
 * Creates the data dir when missing and makes it 0700, owner (Kiln, root) only. Nothing under it
 * is then reachable by another host user, whatever the modes below it: the layer store holds
 * image files as they are (setuid binaries, device nodes), instances hold their disks, the
 * database and the default credentials are there. Build steps never need to reach into it: runc
 * enters a step's root filesystem from the machine-wide run folder (see `RuncInstanceDriver`).
 * A data dir made by an older Kiln (0755) is tightened at the next start. One owned by another
 * host user (or named by another user's symlink) is refused with `ForeignDirError`: that user
 * could open it again at any time.
 */
export function secureDataDir(dataDir: string): void {
  makePrivateDir(dataDir, 'data dir');
}
