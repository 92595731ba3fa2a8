import { createHash } from 'node:crypto';
import { lstat, readdir, readlink, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore } from '../../blobs/blob-store.js';
import { diffEntries, TreeTooLargeError } from '../layers/diff-tar.js';
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

/**
 * /tmp held more than its tmpfs can (`bytes` of file data, sparse files at their full size):
 * it was not snapshotted. A snapshot is a tar on the host, where a sparse file takes its whole
 * logical size; `truncate -s 50T /tmp/f` costs the instance nothing and would fill the host.
 */
export class TmpTooLargeError extends Error {
  constructor(readonly bytes: number, readonly maxBytes: number) {
    super(`/tmp holds ${bytes} bytes of file data, more than its ${maxBytes}-byte tmpfs`);
    this.name = 'TmpTooLargeError';
  }
}

/** The fingerprint of a directory's contents, or undefined when it is empty. */
export async function fingerprint(dir: string): Promise<string | undefined> {
  return (await survey(dir)).print;
}

/** The fingerprint, and the bytes a tar of the directory holds as file data (each inode once, at its logical size). */
async function survey(dir: string): Promise<{ print: string | undefined; bytes: number }> {
  const hash = createHash('sha256');
  let any = false;
  let bytes = 0;
  const inodes = new Set<bigint>();
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(join(dir, rel))).sort();
    for (const name of names) {
      any = true;
      const path = join(rel, name);
      const st = await lstat(join(dir, path), { bigint: true });
      hash.update(`${path}\0${st.mode}\0${st.uid}\0${st.gid}\0${st.size}\0${st.mtimeNs}\0${st.ino}\n`);
      if (st.isFile() && !inodes.has(st.ino)) {
        inodes.add(st.ino);
        bytes += Number(st.size);
      }
      if (st.isSymbolicLink()) hash.update(await readlink(join(dir, path)));
      if (st.isDirectory()) await walk(path);
    }
  };
  await walk('');
  return { print: any ? hash.digest('hex') : undefined, bytes };
}

/** The size of the file system `dir` is on (for /tmp: its tmpfs's `size=`). */
export async function fileSystemBytes(dir: string): Promise<number> {
  const fs = await statfs(dir);
  return fs.blocks * fs.bsize;
}

/**
 * A snapshot of `dir` (undefined when it is empty). When the contents did not change since
 * `previous`, its blob is reused rather than written again. A directory whose files hold more
 * than `maxBytes` (default: the size of its file system, the instance's tmpfs) is not
 * snapshotted: `TmpTooLargeError`, before anything is written.
 */
export async function snapshot(dir: string, blobs: BlobStore, previous?: TmpSnapshot, maxBytes?: number): Promise<TmpSnapshot | undefined> {
  const { print, bytes } = await survey(dir);
  if (print === undefined) return undefined;
  if (previous?.fingerprint === print) return previous;
  const cap = maxBytes ?? await fileSystemBytes(dir);
  if (bytes > cap) throw new TmpTooLargeError(bytes, cap);
  try {
    // bounded again as it is written: a process left running could grow /tmp meanwhile
    const { digest, size } = await blobs.put(coalesce(writeTar(diffEntries(dir, cap))));
    return { fingerprint: print, digest, size };
  } catch (err) {
    if (err instanceof TreeTooLargeError) throw new TmpTooLargeError(err.bytes, cap);
    throw err;
  }
}

/** Empties `dir` and, when `digest` is given, unpacks that snapshot into it. Returns the snapshot restored. */
export async function restore(dir: string, blobs: BlobStore, digest: string | undefined): Promise<TmpSnapshot | undefined> {
  for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
  if (digest === undefined) return undefined;
  await extractLayer(await blobs.get(digest), dir);
  const print = await fingerprint(dir);
  return print === undefined ? undefined : { fingerprint: print, digest, size: (await blobs.size(digest)) ?? 0 };
}
