import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { isProcessRunning } from '../../src/blobs/stale-staging.js';

/** How long a process waits for another one's making of an entry (generous, not a timing assertion). */
const WAIT_FOR_OTHER_MS = 20 * 60_000;

/** One thing tests make once per machine (a VM base, a vendor disk), kept in a cache folder under os.tmpdir(). */
export interface MachineCacheEntry<T> {
  /** The cache folder (under os.tmpdir()); made when missing. */
  cacheDir: string;
  /** The entry's name in the folder: it changes with everything the entry is made from. */
  key: string;
  /** What the entry is, for the error when another process holds the lock too long. */
  what: string;
  /** The finished entry, or undefined while it is not in place. */
  find(): Promise<T | undefined>;
  /**
   * Makes the entry in `work` (a fresh empty folder in the cache folder, removed afterwards) and
   * moves it into place with a rename as its last step, so that `find` never sees a half-made one.
   */
  make(work: string): Promise<void>;
}

/**
 * The entry, made here when no process has made it yet: under a lock folder (`<key>.lock`
 * holding the maker's pid) so that two test processes at once make it once; a dead maker's lock
 * (or one that never got a pid within a minute) is taken over and its work folders
 * (`<key>.tmp-<pid>-<hex>`) removed. A process finding the lock held polls for the entry.
 */
export async function madeOncePerMachine<T>(entry: MachineCacheEntry<T>): Promise<T> {
  const lock = join(entry.cacheDir, `${entry.key}.lock`);
  await mkdir(entry.cacheDir, { recursive: true });
  const deadline = Date.now() + WAIT_FOR_OTHER_MS;
  for (;;) {
    const done = await entry.find();
    if (done !== undefined) return done;
    if (await takeLock(lock)) {
      try {
        return (await entry.find()) ?? (await makeEntry(entry));
      } finally {
        await rm(lock, { recursive: true, force: true });
      }
    }
    if (Date.now() > deadline) throw new Error(`${entry.what}: another process has held ${lock} for more than ${WAIT_FOR_OTHER_MS / 60_000} minutes`);
    await delay(500); // another process is making it: poll for its result (or its death)
  }
}

async function makeEntry<T>(entry: MachineCacheEntry<T>): Promise<T> {
  for (const name of await readdir(entry.cacheDir)) {
    const pid = /\.tmp-(\d+)-[0-9a-f]+$/.exec(name)?.[1];
    if (pid !== undefined && !isProcessRunning(Number(pid))) await rm(join(entry.cacheDir, name), { recursive: true, force: true });
  }
  const work = join(entry.cacheDir, `${entry.key}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(work);
  try {
    await entry.make(work);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const made = await entry.find();
  if (made === undefined) throw new Error(`${entry.what} was made but is not in ${entry.cacheDir} under ${entry.key}`);
  return made;
}

/** Creates the lock folder with our pid inside; takes over one whose owner died (or that never got an owner within a minute). */
async function takeLock(lock: string): Promise<boolean> {
  try {
    await mkdir(lock);
    await writeFile(join(lock, 'pid'), String(process.pid));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const owner = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => ''));
  const age = Date.now() - ((await stat(lock).catch(() => undefined))?.mtimeMs ?? Date.now());
  if (owner > 0 ? !isProcessRunning(owner) : age > 60_000) await rm(lock, { recursive: true, force: true });
  return false;
}
