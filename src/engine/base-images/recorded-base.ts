import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerStore } from '../layers/layer-store.js';
import type { BaseLayer } from './busybox.js';

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

/** The record of a base made before (`<data>/base-images/<key>.json`) when its layer and blob are still there. */
export async function recordedBase<T extends BaseLayer>(layers: LayerStore, key: string): Promise<T | undefined> {
  try {
    const saved = JSON.parse(await readFile(join(layers.baseImagesDir, `${key}.json`), 'utf8')) as T;
    if ((await layers.has(saved.diffId)) && (await layers.blobs.has(saved.digest))) return { ...saved, dir: layers.dirOf(saved.diffId) };
  } catch {
    // not made yet
  }
  return undefined;
}

/**
 * Makes a system base image's single layer, crash-safe: `fill` writes the root filesystem into
 * a staging folder under `<layers>/tmp` (named `<stagingPrefix><pid>-<random>`, so a later
 * build sweeps a dead process's); the tree is captured as ONE layer into the blob store and
 * moved into the layer store; only then is the record `<data>/base-images/<key>.json` written
 * (through a temporary file and a rename). A crash part-way leaves no layer and no record.
 * `fill` returns the record's own fields (beyond the layer's).
 */
export async function makeRecordedBase<T extends BaseLayer>(
  layers: LayerStore,
  key: string,
  stagingPrefix: string,
  fill: (root: string) => Promise<Omit<T, keyof BaseLayer | 'buildSeconds'>>,
): Promise<T> {
  const started = Date.now();
  await layers.removeStaleStaging();
  const { dir: root, top } = await layers.staging(stagingPrefix);
  try {
    const extra = await fill(root);
    const blob = await layers.capture(root);
    const dir = await layers.adopt(root, blob.diffId);
    const base = { key, digest: blob.digest, diffId: blob.diffId, size: blob.size, dir, ...extra, buildSeconds: Math.round((Date.now() - started) / 1000) } as unknown as T;
    const record = join(layers.baseImagesDir, `${key}.json`);
    await mkdir(layers.baseImagesDir, { recursive: true });
    const temp = `${record}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(base, null, 2));
    await rename(temp, record);
    return base;
  } finally {
    await rm(top, { recursive: true, force: true });
  }
}
