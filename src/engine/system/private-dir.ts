import { closeSync, constants, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync, realpathSync } from 'node:fs';

/** A folder Kiln must keep to itself is owned by another user (or reached through another user's symlink). */
export class ForeignDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForeignDirError';
  }
}

/**
 * Creates `dir` when missing and makes it 0700, refusing (`ForeignDirError`) a folder that
 * another host user owns, or a symlink another user owns: its owner could make it reachable
 * again (chmod it back, or point the symlink elsewhere) whatever Kiln sets. The mode is set on
 * the folder that was checked (through one open descriptor), not on whatever the path names a
 * moment later.
 */
export function makePrivateDir(dir: string, what = 'folder'): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const uid = process.geteuid?.() ?? 0;
  const link = lstatSync(dir);
  if (link.isSymbolicLink() && link.uid !== uid && link.uid !== 0) {
    throw new ForeignDirError(`the ${what} ${dir} is a symlink owned by uid ${link.uid}, not by the user Kiln runs as (uid ${uid}) or root: its owner could point it elsewhere; use the folder it names, or a folder of Kiln's own`);
  }
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    const st = fstatSync(fd);
    if (st.uid !== uid) {
      const through = link.isSymbolicLink() ? ` (the symlink's target ${realpathSync(dir)})` : '';
      throw new ForeignDirError(
        `the ${what} ${dir}${through} is owned by uid ${st.uid}, not by the user Kiln runs as (uid ${uid}): its owner could open it to other users again; use a folder Kiln creates, or chown it to uid ${uid}`,
      );
    }
    fchmodSync(fd, 0o700);
  } finally {
    closeSync(fd);
  }
}
