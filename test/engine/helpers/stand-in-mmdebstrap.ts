import { lstat, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { LocalBlobStore } from '../../../src/blobs/local-blob-store.js';
import { LayerStore } from '../../../src/engine/layers/layer-store.js';

/*
 * What the tests of the Debian base images (minbase, VM) share to run them fast: a folder with
 * the machine's apt sources, data dirs in it, and a stand-in for mmdebstrap.
 */

/** The files `readDebianSources` is pointed at: a deb822 file and no one-line sources.list. */
export interface SourcesFiles {
  deb822: string;
  oneLine: string;
}

/** What {@link standInDebianFolder} gives a describe block; valid inside its tests. */
export interface StandInDebianFolder {
  /** The folder: the sources, the stand-ins, and what they record (see {@link standInMmdebstrap}). */
  readonly dir: string;
  /** A LayerStore over the data dir `<dir>/<name>` (made when missing; the same data dir for the same name). */
  storeAt(name: string): Promise<LayerStore>;
  /** The sources files, the deb822 one holding `debianSources`. */
  sourcesFiles(): SourcesFiles;
}

/**
 * Registers the hooks that make a throwaway folder (`<tmp>/<prefix>*`) holding `debianSources` as
 * the machine's deb822 apt sources before the tests, and remove it after them; call inside a describe.
 */
export function standInDebianFolder(prefix: string, debianSources: string): StandInDebianFolder {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    await writeFile(join(dir, 'debian.sources'), debianSources);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
    storeAt: async (name) => {
      const data = join(dir, name);
      await mkdir(data, { recursive: true });
      return new LayerStore(data, new LocalBlobStore(join(data, 'blobs')));
    },
    sourcesFiles: () => ({ deb822: join(dir, 'debian.sources'), oneLine: join(dir, 'none.list') }),
  };
}

/**
 * Writes `<dir>/<name>`, a stand-in mmdebstrap: a shell script that appends its arguments as one
 * line to `<dir>/calls`, saves its standard input (the sources) to `<dir>/stdin`, then runs
 * `body` with `$target` set to the target directory (mmdebstrap's last argument but one), under `set -e`.
 */
export async function standInMmdebstrap(dir: string, name: string, body: string): Promise<string> {
  const script = join(dir, name);
  await writeFile(script, `#!/bin/sh
set -e
for a; do target="$prev"; prev="$a"; done
echo "$*" >> ${dir}/calls
cat > ${dir}/stdin
${body}`, { mode: 0o755 });
  return script;
}

/** The calls a stand-in of {@link standInMmdebstrap} recorded in `dir`, one argument line each. */
export async function mmdebstrapCalls(dir: string): Promise<string[]> {
  return (await readFile(join(dir, 'calls'), 'utf8')).trim().split('\n');
}

/** Whether anything (even a dangling symlink) is at `path`. */
export async function exists(path: string): Promise<boolean> {
  return lstat(path).then(() => true, () => false);
}
