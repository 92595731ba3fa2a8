import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore } from '../../blobs/blob-store.js';
import { digestHex, type Digest } from '../../blobs/digest.js';
import { removeStaleStaging } from '../../blobs/stale-staging.js';
import type { BaseImageRecordRepository } from '../../domain/base-image-records.js';
import { DirBaseImageRecords } from '../base-images/dir-records.js';
import { pathExists } from '../system/path-exists.js';
import { captureLayer, type LayerBlob } from './capture-layer.js';
import { extractLayer } from './extract-layer.js';
import { layerLimits, type LayerLimits } from './layer-limits.js';
import { SharedWork } from './shared-work.js';
import type { ByteInput } from './tar/tar-reader.js';

/** A layer unpacked on disk, ready to be an overlay lower dir. */
/** How one extraction may be stopped. */
export interface LayerWorkOptions {
  /** The caller's cancellation (a build's cancel or timeout): see `ensure`. */
  signal?: AbortSignal;
}

export interface LayerDir {
  diffId: Digest;
  /** `<dataDir>/layers/<diffId hex>/diff` */
  dir: string;
}

/**
 * Extracted layers, `<dataDir>/layers/<diffId hex>/diff`, used directly as overlay lower dirs
 * (the instance driver mounts them through short symlinks, so the length of these paths does
 * not count against overlay's option limit). Directories appear atomically: they are built in
 * `<dataDir>/layers/tmp/<random>/diff` and renamed into place. A layer's blob (by its digest,
 * compressed or not) maps to its diffID through `<dataDir>/layers/by-digest/<hex>`. Every
 * extraction is bounded by `limits` (see `LayerLimits`; the defaults unless given).
 */
export class LayerStore {
  readonly root: string;
  /**
   * The records of the system base images (see base-images/recorded-base.ts): the store's,
   * shared by every host, as Kiln's processes wire it; by default this machine's own folder
   * `<dataDir>/base-images`.
   */
  readonly baseImages: BaseImageRecordRepository;
  private readonly inflight = new SharedWork<LayerDir>();

  constructor(
    dataDir: string,
    readonly blobs: BlobStore,
    private readonly limits: Partial<LayerLimits> = {},
    baseImages?: BaseImageRecordRepository,
  ) {
    this.root = join(dataDir, 'layers');
    this.baseImages = baseImages ?? new DirBaseImageRecords(this.baseImagesDir);
  }

  /** The most uncompressed bytes one layer (or archive of layers) may have here. */
  get maxTarBytes(): number {
    return layerLimits(this.limits).maxTarBytes;
  }

  /** `<dataDir>/base-images`: the records of the system base images made on this machine before they were shared (see base-images/), and the default `baseImages`. */
  get baseImagesDir(): string {
    return join(this.root, '..', 'base-images');
  }

  /** Where the layer with this diffID lives (whether or not it is there yet). */
  dirOf(diffId: string): string {
    return join(this.root, digestHex(diffId), 'diff');
  }

  async has(diffId: string): Promise<boolean> {
    return pathExists(this.dirOf(diffId));
  }

  /** Archives a directory of changes into the blob store (see `captureLayer`: `maxBytes` bounds the tar, `maxFileBytes` its files). */
  capture(upperDir: string, maxBytes?: number, maxFileBytes?: number): Promise<LayerBlob> {
    return captureLayer(upperDir, this.blobs, maxBytes, maxFileBytes);
  }

  /**
   * The directory of the layer blob `digest`, extracted from the blob store on first use.
   * Callers asking for the same blob at once share one extraction; `signal` ends this caller's
   * wait (rejecting with its reason), and the extraction itself stops once every caller that
   * waits for it has given up.
   */
  ensure(digest: string, options: LayerWorkOptions = {}): Promise<LayerDir> {
    return this.inflight.run(`blob:${digest}`, options.signal, async (signal) => {
      const known = await this.diffIdOf(digest);
      if (known && (await this.has(known))) return { diffId: known, dir: this.dirOf(known) };
      const stream = await this.blobs.get(digest);
      try {
        const layer = await this.importTar(stream, { signal });
        await this.recordDigest(digest, layer.diffId);
        return layer;
      } finally {
        stream.destroy(); // however the extraction ended, the blob's descriptor is released
      }
    });
  }

  /** Unpacks a layer tar (plain or gzip) into the store; an already present diffID is kept as is. The input is consumed (closed when this returns). */
  async importTar(input: ByteInput, options: LayerWorkOptions = {}): Promise<LayerDir> {
    const staging = await this.staging();
    try {
      const { diffId } = await extractLayer(input, staging.dir, { limits: this.limits, ...(options.signal ? { signal: options.signal } : {}) });
      return { diffId, dir: await this.adopt(staging.dir, diffId) };
    } finally {
      await rm(staging.top, { recursive: true, force: true });
    }
  }

  /**
   * A fresh empty directory on the store's filesystem, to build a layer in place and `adopt`
   * it; `top` is what to remove when giving up. Its name carries this process's pid (after
   * `prefix`), so `removeStaleStaging` can tell a dead process's leftovers from work in progress.
   */
  async staging(prefix = ''): Promise<{ dir: string; top: string }> {
    const top = join(this.root, 'tmp', `${prefix}${process.pid}-${randomBytes(6).toString('hex')}`);
    const dir = join(top, 'diff');
    await mkdir(dir, { recursive: true, mode: 0o755 });
    return { dir, top };
  }

  /**
   * Moves a staged `<top>/diff` directory into the store as the layer `diffId` (a rename: the
   * staging dir must come from `staging()`). When the layer is already there, the staged copy is
   * left for the caller to remove. Returns the layer's directory.
   */
  async adopt(stagedDir: string, diffId: string): Promise<string> {
    const final = join(this.root, digestHex(diffId));
    if (await pathExists(final)) return this.dirOf(diffId);
    try {
      await rename(join(stagedDir, '..'), final);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err; // lost a race: theirs is as good
    }
    await this.recordDigest(diffId, diffId);
    return this.dirOf(diffId);
  }

  async remove(diffId: string): Promise<void> {
    await rm(join(this.root, digestHex(diffId)), { recursive: true, force: true });
  }

  /** Every extracted layer (by diffID) with the time its directory was made, for garbage collection. */
  async list(): Promise<Array<{ diffId: string; madeAtMs: number }>> {
    const out: Array<{ diffId: string; madeAtMs: number }> = [];
    for (const hex of await readdir(this.root).catch(() => [] as string[])) {
      if (!/^[0-9a-f]{64}$/.test(hex)) continue;
      const st = await stat(join(this.root, hex)).catch(() => undefined);
      if (st) out.push({ diffId: `sha256:${hex}`, madeAtMs: st.mtimeMs });
    }
    return out;
  }

  /** The blob digest → diffID records (`by-digest/`). */
  async digestRecords(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const dir = join(this.root, 'by-digest');
    for (const hex of await readdir(dir).catch(() => [] as string[])) {
      if (!/^[0-9a-f]{64}$/.test(hex)) continue;
      const diffId = await readFile(join(dir, hex), 'utf8').catch(() => undefined);
      if (diffId) out.set(`sha256:${hex}`, diffId.trim());
    }
    return out;
  }

  /** Forgets which layer a blob digest unpacks to (its blob is gone). */
  async forgetDigest(digest: string): Promise<void> {
    await rm(join(this.root, 'by-digest', digestHex(digest)), { force: true });
  }

  /** Staging dirs of processes that no longer run (see `removeStaleStaging` in blobs/); returns how many were removed. */
  removeStaleStaging(beforeMs?: number): Promise<number> {
    return removeStaleStaging(join(this.root, 'tmp'), beforeMs);
  }

  private async diffIdOf(digest: string): Promise<Digest | undefined> {
    try {
      return (await readFile(join(this.root, 'by-digest', digestHex(digest)), 'utf8')).trim() as Digest;
    } catch {
      return undefined;
    }
  }

  private async recordDigest(digest: string, diffId: string): Promise<void> {
    const dir = join(this.root, 'by-digest');
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.${digestHex(digest)}.${randomBytes(4).toString('hex')}`);
    await writeFile(tmp, diffId);
    await rename(tmp, join(dir, digestHex(digest)));
  }
}

