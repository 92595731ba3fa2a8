import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { BaseImageRecord } from '../../domain/base-image-records.js';
import type { LayerStore } from '../layers/layer-store.js';
import type { BaseLayer } from './busybox.js';
import { baseKindOf, readRecordFile } from './dir-records.js';

/**
 * Calls of `make` with the same `key` at the same time share one promise; a settled one is
 * forgotten, so a failed build is not remembered (the next call tries again).
 */
export function sharedBuild<T>(inflight: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let p = inflight.get(key);
  if (!p) {
    p = make().finally(() => inflight.delete(key));
    inflight.set(key, p);
  }
  return p;
}

/** The base as its callers see it: the record's fields with the layer's directory on this host. */
async function usable<T extends BaseLayer>(layers: LayerStore, record: BaseImageRecord): Promise<T | undefined> {
  if (!(await layers.blobs.has(record.digest))) return undefined;
  // Extracted from the blob store on first use on this host (a base another host made).
  const { dir } = await layers.ensure(record.digest);
  return { ...record.details, key: record.key, digest: record.digest, diffId: record.diffId, size: record.size, dir } as unknown as T;
}

/**
 * The base `key` as some host of this Kiln made it (`layers.baseImages`, shared through the
 * store), its layer fetched from the blob store when this host has not extracted it yet; or a
 * record file of this machine from before the records were shared (it is then shared). Undefined
 * when no host made it, or its blob is gone.
 */
export async function recordedBase<T extends BaseLayer>(layers: LayerStore, key: string): Promise<T | undefined> {
  const shared = await layers.baseImages.get(key);
  if (shared) return usable<T>(layers, shared);
  const own = await readRecordFile(layers.baseImagesDir, key);
  if (!own || !(await layers.blobs.has(own.digest))) return undefined;
  return usable<T>(layers, await layers.baseImages.put(own));
}

/**
 * Makes a system base image's single layer, crash-safe: `fill` writes the root filesystem into
 * a staging folder under `<layers>/tmp` (named `<stagingPrefix><pid>-<random>`, so a later
 * build sweeps a dead process's); the tree is captured as ONE layer into the blob store and
 * moved into the layer store; only then is the base recorded (`layers.baseImages`). A crash
 * part-way leaves no layer and no record. When another host recorded the same key meanwhile,
 * its record wins and is what this returns (this host's blob is left to garbage collection).
 * `fill` returns the record's own fields (beyond the layer's). Dead processes' staging folders
 * are swept first unless `sweepStaging` is false (busybox's few seconds leave that to GC).
 */
export async function makeRecordedBase<T extends BaseLayer>(
  layers: LayerStore,
  key: string,
  stagingPrefix: string,
  fill: (root: string) => Promise<Omit<T, keyof BaseLayer | 'buildSeconds'>>,
  options: { sweepStaging?: boolean } = {},
): Promise<T> {
  const started = Date.now();
  if (options.sweepStaging !== false) await layers.removeStaleStaging();
  const { dir: root, top } = await layers.staging(stagingPrefix);
  try {
    const extra = await fill(root);
    const blob = await layers.capture(root);
    const dir = await layers.adopt(root, blob.diffId);
    const details = { ...extra, buildSeconds: Math.round((Date.now() - started) / 1000) };
    const previous = await layers.baseImages.get(key);
    const record: BaseImageRecord = { key, kind: baseKindOf(key), digest: blob.digest, diffId: blob.diffId, size: blob.size, details, madeAt: Date.now(), madeBy: hostname() };
    const kept = await layers.baseImages.put(record, previous?.digest);
    if (kept.digest === blob.digest) return { ...details, key, digest: blob.digest, diffId: blob.diffId, size: blob.size, dir } as unknown as T;
    const theirs = await usable<T>(layers, kept);
    if (!theirs) throw new Error(`the layer ${kept.digest} of the base image ${key} is not in the blob store`);
    return theirs;
  } finally {
    await rm(top, { recursive: true, force: true });
  }
}

/**
 * A system base image for this host: the one recorded under the key this host computes (`key`:
 * what it would make it from), else one it makes (`make`). A host that cannot compute the key
 * (e.g. no busybox binary, no apt sources) or make the base (e.g. no network to the mirror)
 * builds on the newest base of the `kind` another host made, so worker hosts that reach only
 * the database and the blob store need no base-image tooling; without any, the error of `key`
 * or `make` stands.
 */
export async function hostBase<T extends BaseLayer>(layers: LayerStore, kind: string, key: () => Promise<string>, make: (key: string) => Promise<T>): Promise<T> {
  const failed = `${layers.root}\0${kind}`;
  const another = async () => {
    const other = await layers.baseImages.latest(kind);
    return other ? usable<T>(layers, other) : undefined;
  };
  try {
    const k = await key();
    const recorded = await recordedBase<T>(layers, k);
    if (recorded) return recorded;
    // A host that just failed to make it (e.g. its mirror unreachable: apt may take minutes to give up) does not try again at once.
    const last = lastFailure.get(failed);
    const meanwhile = last !== undefined && Date.now() - last < RETRY_MAKE_AFTER_MS ? await another() : undefined;
    return meanwhile ?? (await make(k));
  } catch (err) {
    lastFailure.set(failed, Date.now());
    const base = await another();
    if (base) return base;
    throw err;
  }
}

/** How long a host that failed to make a base builds on another host's before it tries to make its own again. */
const RETRY_MAKE_AFTER_MS = 10 * 60_000;
const lastFailure = new Map<string, number>();
