import { createHash } from 'node:crypto';
import { lstat, readdir, readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore } from '../../blobs/blob-store.js';
import { diffEntries } from '../layers/diff-tar.js';
import { extractLayer } from '../layers/extract-layer.js';
import { coalesce } from '../layers/tar/coalesce.js';
import { writeTar } from '../layers/tar/tar-writer.js';

/**
 * The instance's /tmp as the step cache sees it. /tmp is not part of the image (it is the
 * instance's tmpfs), yet a step may read what an earlier step left there. When steps come from
 * the cache they do not run, so the cache keeps, with each step that left /tmp non-empty, a tar
 * of it; before the first step that runs after cached ones, /tmp is put back as it was.
 */
export interface TmpSnapshot {
  /** Cheap digest of names, types, sizes, modes, owners and mtimes: equal fingerprints, same contents. */
  fingerprint: string;
  /** The tar of /tmp in the blob store. */
  digest: string;
  /** Its bytes (what the account's cache quota counts). */
  size: number;
}

/** The fingerprint of a directory's contents, or undefined when it is empty. */
export async function fingerprint(dir: string): Promise<string | undefined> {
  const hash = createHash('sha256');
  let any = false;
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(join(dir, rel))).sort();
    for (const name of names) {
      any = true;
      const path = join(rel, name);
      const st = await lstat(join(dir, path), { bigint: true });
      hash.update(`${path}\0${st.mode}\0${st.uid}\0${st.gid}\0${st.size}\0${st.mtimeNs}\0${st.ino}\n`);
      if (st.isSymbolicLink()) hash.update(await readlink(join(dir, path)));
      if (st.isDirectory()) await walk(path);
    }
  };
  await walk('');
  return any ? hash.digest('hex') : undefined;
}

/**
 * A snapshot of `dir` (undefined when it is empty). When the contents did not change since
 * `previous`, its blob is reused rather than written again.
 */
export async function snapshot(dir: string, blobs: BlobStore, previous?: TmpSnapshot): Promise<TmpSnapshot | undefined> {
  const print = await fingerprint(dir);
  if (print === undefined) return undefined;
  if (previous?.fingerprint === print) return previous;
  const { digest, size } = await blobs.put(coalesce(writeTar(diffEntries(dir))));
  return { fingerprint: print, digest, size };
}

/** Empties `dir` and, when `digest` is given, unpacks that snapshot into it. Returns the snapshot restored. */
export async function restore(dir: string, blobs: BlobStore, digest: string | undefined): Promise<TmpSnapshot | undefined> {
  for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
  if (digest === undefined) return undefined;
  await extractLayer(await blobs.get(digest), dir);
  const print = await fingerprint(dir);
  return print === undefined ? undefined : { fingerprint: print, digest, size: (await blobs.size(digest)) ?? 0 };
}
