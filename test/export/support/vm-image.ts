import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBlobStore } from '../../../src/blobs/local-blob-store.js';
import { DEBIAN_CONFIG } from '../../../src/engine/base-images/debian.js';
import { ensureDebianVm } from '../../../src/engine/base-images/debian-vm.js';
import type { ExportDeps } from '../../../src/engine/export/export-image.js';
import { initialConfig, type ImageConfigState } from '../../../src/engine/image-config.js';
import { writeImage } from '../../../src/engine/image/oci-image.js';
import { LAYER_MEDIA_TYPE, type LayerBlob } from '../../../src/engine/layers/capture-layer.js';
import { LayerStore } from '../../../src/engine/layers/layer-store.js';
import type { TarHeader } from '../../../src/engine/layers/tar/tar-header.js';
import { writeTar, type TarWriteEntry } from '../../../src/engine/layers/tar/tar-writer.js';
import { seedDebianVm } from '../../support/vm-base.js';

/*
 * Images with a kernel for the bootable-disk tests: the Debian 12 VM base (helper A's, seeded
 * into a throwaway data dir by seedDebianVm: built once per machine) and, on top, layers the
 * test crafts (tar members), with an image config of the test's choosing.
 */

export const T = 1_700_000_000;
const base = { mode: 0o644, uid: 0, gid: 0, size: 0, mtime: T };
export const dir = (name: string, more: Partial<TarHeader> = {}): TarWriteEntry => ({ header: { ...base, mode: 0o755, name, type: 'directory', ...more } });
export const file = (name: string, text: string | Buffer, more: Partial<TarHeader> = {}): TarWriteEntry => ({
  header: { ...base, name, type: 'file', size: Buffer.byteLength(text), ...more },
  body: Buffer.isBuffer(text) ? text : Buffer.from(text),
});
export const link = (name: string, target: string): TarWriteEntry => ({ header: { ...base, name, type: 'symlink', linkname: target, mode: 0o777 } });

export interface VmData {
  deps: ExportDeps;
  work: string;
  /** The VM base's layer and kernel version. */
  baseLayer: LayerBlob;
  kernelVersion: string;
  close(): void;
}

/** A throwaway data dir (under `tmpdir()`) holding the Debian 12 VM base. */
export async function vmData(): Promise<VmData> {
  const work = mkdtempSync(join(tmpdir(), 'kiln-boot-export-'));
  const dataDir = join(work, 'data');
  await seedDebianVm(dataDir);
  const blobs = new LocalBlobStore(join(dataDir, 'blobs'));
  const layers = new LayerStore(dataDir, blobs);
  const vm = await ensureDebianVm(layers);
  const baseLayer: LayerBlob = { mediaType: LAYER_MEDIA_TYPE, digest: vm.digest, diffId: vm.diffId, size: vm.size };
  return { deps: { blobs, layers }, work, baseLayer, kernelVersion: vm.kernelVersion, close: () => rmSync(work, { recursive: true, force: true }) };
}

async function tarBuffer(entries: TarWriteEntry[]): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const piece of writeTar(entries)) out.push(piece);
  return Buffer.concat(out);
}

/** An image of the base (unless `withoutBase`) plus one layer per entry list, with `config` over Debian's. */
export async function vmImage(data: VmData, layers: TarWriteEntry[][], config: Partial<ImageConfigState> = {}, withoutBase = false): Promise<string> {
  const { blobs } = data.deps;
  const all: LayerBlob[] = withoutBase ? [] : [data.baseLayer];
  for (const entries of layers) {
    const blob = await blobs.put(await tarBuffer(entries));
    const { diffId } = await data.deps.layers.ensure(blob.digest);
    all.push({ mediaType: LAYER_MEDIA_TYPE, digest: blob.digest, diffId, size: blob.size });
  }
  const { manifestDigest } = await writeImage(blobs, {
    layers: all,
    config: initialConfig({ ...DEBIAN_CONFIG, ...config }),
    created: new Date(T * 1000).toISOString(),
    history: all.map((_l, i) => `layer ${i}`),
  });
  return manifestDigest;
}
