import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline as pump } from 'node:stream/promises';
import type { BlobStore } from '../../blobs/blob-store.js';
import { KilnError } from '../../domain/errors.js';
import type { ImageImporter, ImportedContent, OssImportRequest } from '../../domain/image-import.js';
import { ObjectStoreError, type ObjectStore } from '../../oss/object-store.js';
import { readImage } from '../image/oci-image.js';
import type { LayerStore } from '../layers/layer-store.js';
import { ossAccessFor, withScratch, type OssAccess, type OssTenancy } from '../oss/oss-access.js';
import { importImageFile } from './import-file.js';

export interface OssImageImporterDeps {
  blobs: BlobStore;
  layers: LayerStore;
  /** The object store per account (undefined: no object store configured: `OSS.NotConfigured`). */
  oss?: OssTenancy;
}

/**
 * The engine's `ImageImporter`: fetches the object through the account's grant for `roleName`
 * into a scratch folder of the data dir (bounded by `KILN_OSS_MAX_OBJECT_BYTES`), imports it
 * (`importImageFile`: archive or disk, the declared format checked) and removes the scratch
 * folder however the import ends. Progress: 0–40% download, 40–95% import, 100% stored.
 */
export class OssImageImporter implements ImageImporter {
  constructor(private readonly d: OssImageImporterDeps) {}

  async importFromOss(req: OssImportRequest): Promise<ImportedContent> {
    const oss = ossAccessFor(this.d.oss, req.accountId, req.roleName);
    if (!oss) throw new KilnError('OSS.NotConfigured', 'ImportImage needs an S3-compatible object store, and none is configured for this Kiln (set KILN_OSS_ENDPOINT, KILN_OSS_ACCESS_KEY_ID and KILN_OSS_ACCESS_KEY_SECRET).');
    return withScratch(oss, async (dir) => {
      const file = join(dir, 'object');
      await req.progress(0, `downloading oss://${req.bucket}/${req.object}`);
      await fetchObject(oss, req, file);
      await req.progress(40, 'importing');
      const { manifestDigest, format } = await importImageFile(this.d, file, {
        tmpDir: dir, source: `ImportImage of oss://${req.bucket}/${req.object}`, signal: req.signal,
        ...(req.format ? { declaredFormat: req.format } : {}),
        stage: (stage) => void req.progress(stage === 'converting' ? 50 : stage === 'reading' ? 70 : 90, stage).catch(() => undefined),
      });
      const { layers } = await readImage(this.d.blobs, manifestDigest);
      return { manifestDigest, format, layers: layers.map((l) => ({ digest: l.digest, size: l.size })) };
    });
  }
}

/** Downloads the object into `file`, at most `maxObjectBytes` of it; the store's refusals as ImportImage's codes. */
async function fetchObject(oss: OssAccess, req: OssImportRequest, file: string): Promise<void> {
  const name = `oss://${req.bucket}/${req.object}`;
  const max = oss.maxObjectBytes;
  const tooLarge = (bytes: number) => new KilnError('OSS.ObjectTooLarge', `${name} holds ${bytes} bytes, more than the ${max} bytes this Kiln downloads to import (KILN_OSS_MAX_OBJECT_BYTES).`);
  const fetched = await openObject(oss.store, req, name);
  if (fetched.size !== undefined && fetched.size > max) {
    fetched.body.destroy();
    throw tooLarge(fetched.size);
  }
  let over: KilnError | undefined;
  let bytes = 0;
  try {
    await pump(fetched.body, async function* atMost(source: AsyncIterable<Buffer>) {
      let shown = 0;
      for await (const piece of source) {
        bytes += piece.length;
        if (bytes > max) throw (over = tooLarge(bytes));
        // 0–40% while downloading, when the store said the size
        const percent = fetched.size ? Math.floor((40 * bytes) / fetched.size) : 0;
        if (percent > shown) void req.progress((shown = percent), `downloading oss://${req.bucket}/${req.object}`).catch(() => undefined);
        yield piece;
      }
    }, createWriteStream(file), { signal: req.signal });
  } catch (err) {
    if (over) throw over;
    req.signal.throwIfAborted();
    throw new KilnError('OSS.Unavailable', `Reading ${name} from ${oss.store.endpoint} failed: ${(err as Error).message}`);
  }
  if (fetched.size !== undefined && bytes !== fetched.size) {
    throw new KilnError('OSS.Unavailable', `Reading ${name} from ${oss.store.endpoint} ended after ${bytes} of its ${fetched.size} bytes.`);
  }
}

async function openObject(store: ObjectStore, req: OssImportRequest, name: string) {
  try {
    return await store.get(req.bucket, req.object, req.signal);
  } catch (err) {
    req.signal.throwIfAborted();
    if (!(err instanceof ObjectStoreError)) throw err;
    if (err.kind === 'NotFound' && err.storeCode === 'NoSuchBucket') throw new KilnError('InvalidOSSBucket.NotFound', `The OSS bucket ${req.bucket} does not exist (${name}).`);
    if (err.kind === 'NotFound') throw new KilnError('InvalidOSSObject.NotFound', `The OSS object ${name} does not exist.`);
    if (err.kind === 'AccessDenied') throw new KilnError('NoSetRoletoECSServiceAcount', `The account may not read ${name} through the role ${req.roleName}: ${err.message}`);
    throw new KilnError(err.kind === 'Unavailable' ? 'OSS.Unavailable' : 'OSS.RequestFailed', `Reading ${name} from ${store.endpoint} failed: ${err.message}`);
  }
}
