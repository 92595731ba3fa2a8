import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { KilnError, isKilnError } from '../../domain/errors.js';
import type { ExportedObject, ImageExporter, OssExportRequest } from '../../domain/image-export.js';
import { ObjectStoreError } from '../../oss/object-store.js';
import { ossAccessFor, withScratch, type OssAccess, type OssTenancy } from '../oss/oss-access.js';
import { exportImage, type ExportDeps } from './export-image.js';
import { ProgressMeter } from './progress.js';

export interface OssImageExporterDeps extends ExportDeps {
  /** The object store per account (undefined: none configured, `OSS.NotConfigured`). */
  oss?: OssTenancy;
}

/** The service's codes for an object store's refusals (ExportImage's and ImportImage's pages). */
const STORE_CODES = {
  NotFound: 'InvalidOSSBucket.NotFound',
  AccessDenied: 'NoSetRoletoECSServiceAcount',
  Unavailable: 'OSS.Unavailable',
  Failed: 'OSS.RequestFailed',
} as const;

/**
 * The engine's `ImageExporter`: writes the disk (`exportImage`, 0–80%) into a scratch folder of
 * the data dir, then uploads it through the account's grant for `roleName` (80–100%, see
 * `upload`), so the object appears whole or not at all; the scratch folder is removed however
 * the export ends. A disk past `KILN_OSS_MAX_OBJECT_BYTES` is `OSS.ObjectTooLarge` before
 * anything is sent.
 */
export class OssImageExporter implements ImageExporter {
  constructor(private readonly d: OssImageExporterDeps) {}

  async exportToOss(req: OssExportRequest): Promise<ExportedObject> {
    const oss = ossAccessFor(this.d.oss, req.accountId, req.roleName);
    if (!oss) throw new KilnError('OSS.NotConfigured', 'ExportImage needs an S3-compatible object store, and none is configured for this Kiln (set KILN_OSS_ENDPOINT, KILN_OSS_ACCESS_KEY_ID and KILN_OSS_ACCESS_KEY_SECRET).');
    return withScratch(oss, async (dir) => {
      const file = join(dir, req.object.split('/').pop() || 'image');
      const written = await this.writeDisk(req, file);
      const { size } = await stat(file);
      // Past one PutObject's limit a disk always goes up in parts (MULTIPART_FROM is far below it).
      const max = oss.maxObjectBytes;
      if (size > max) throw new KilnError('OSS.ObjectTooLarge', `The ${req.format} disk of the image has ${size} bytes, more than the ${max} bytes Kiln uploads (KILN_OSS_MAX_OBJECT_BYTES).`);
      await req.progress(80, `uploading to oss://${req.bucket}/${req.object}`);
      await upload(oss, req, file, size);
      return { bucket: req.bucket, object: req.object, bytes: size, diskBytes: written.diskBytes ?? size, bootable: written.bootable, ...(written.bootMode ? { bootMode: written.bootMode } : {}), note: written.note };
    });
  }

  private async writeDisk(req: OssExportRequest, file: string) {
    try {
      return await exportImage(this.d, {
        manifestDigest: req.manifestDigest, format: req.format, file, sizeGiB: req.sizeGiB, signal: req.signal,
        ...(req.bootMode ? { bootMode: req.bootMode } : {}),
        onProgress: (percent, phase) => void req.progress(Math.floor(percent * 0.8), phase).catch(() => undefined),
      });
    } catch (err) {
      if (req.signal.aborted || isKilnError(err)) throw err;
      throw new KilnError('ExportImageFailed', `Exporting image is failed: ${(err as Error).message}`);
    }
  }
}

/** Disks from this size on go up by multipart upload (parts of `PART_BYTES`), smaller ones by one PutObject. */
export const MULTIPART_FROM = 256 * 1024 * 1024;
const PART_BYTES = 64 * 1024 * 1024;

/**
 * Uploads the disk so that the final key gets the whole object or nothing: a large one by
 * multipart upload (the object appears when it completes; aborted on failure or cancel), a
 * small one under a temporary key beside the final one, copied to it on the store's side (one
 * CopyObject, whatever the server keeps of a PutObject cut short) and then removed.
 */
async function upload(oss: OssAccess, req: OssExportRequest, file: string, size: number): Promise<void> {
  const meter = new ProgressMeter((percent) => void req.progress(percent, 'uploading').catch(() => undefined), req.signal, 'uploading', size, 80, 98);
  try {
    if (size >= MULTIPART_FROM) {
      await oss.store.putFile(req.bucket, req.object, file, size, { partBytes: PART_BYTES, signal: req.signal, onBytes: (n) => meter.add(n) });
    } else {
      await putThenCopy(oss, req, file, size, meter);
    }
  } catch (err) {
    if (req.signal.aborted) throw req.signal.reason;
    if (err instanceof ObjectStoreError) throw new KilnError(STORE_CODES[err.kind], `oss://${req.bucket}/${req.object}: ${err.message}`);
    throw err;
  }
}

async function putThenCopy(oss: OssAccess, req: OssExportRequest, file: string, size: number, meter: ProgressMeter): Promise<void> {
  const store = oss.store;
  const body = Readable.from(meter.count(createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>));
  const staged = `${req.object}.kiln-upload-${randomBytes(6).toString('hex')}`;
  try {
    await store.put(req.bucket, staged, body, size, req.signal);
    req.signal.throwIfAborted();
    await req.progress(99, `copying to oss://${req.bucket}/${req.object}`);
    await store.copy(req.bucket, staged, req.object, req.signal);
  } finally {
    body.destroy();
    await store.delete(req.bucket, staged).catch(() => undefined);
  }
}
