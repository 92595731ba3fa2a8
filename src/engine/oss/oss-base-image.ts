import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline as pump } from 'node:stream/promises';
import type { BlobStore } from '../../blobs/blob-store.js';
import type { StoredObject } from '../../oss/object-store.js';
import { KilnError, isKilnError } from '../../domain/errors.js';
import type { RegisterImportedBase } from '../../domain/build-artifact.js';
import type { Image } from '../../domain/image.js';
import type { ImagePipeline } from '../../domain/pipeline.js';
import { StepCancelled, StepFailure } from '../build/step-failure.js';
import { importImageFile } from '../import/import-file.js';
import { readImage } from '../image/oci-image.js';
import type { LayerStore } from '../layers/layer-store.js';
import { ACCEPTED_FORMATS, FORMAT_NAMES, sniffArchive } from './archive-format.js';
import { objectTooLarge, ossNotConfigured, storeFailure, withScratch, type OssAccess } from './oss-access.js';

export interface OssBaseDeps {
  oss?: OssAccess;
  blobs: BlobStore;
  layers: LayerStore;
  /** The app makes the import the build's base image (and registers it with `RetainImportedImage`). */
  registerBase: RegisterImportedBase;
}

export interface OssBaseRequest {
  pipeline: ImagePipeline;
  executionId: string;
  log(stream: 'system', text: string): void;
  signal: AbortSignal;
}

/**
 * BaseImageType=OSS at PREPARING: fetches the system disk's object
 * (`ImportImageOptions.DiskDeviceMappings.1`) from the object store and imports it as the base
 * image's root filesystem — a rootfs tarball or an OCI image layout archive, plain or gzip, or
 * a disk image (RAW, VHD, QCOW2, VMDK, VDI; its root file system, see engine/import/). A file of
 * another format, a corrupt disk or an archive with a member that would be written outside its
 * layer fail the build with the import's code (`InvalidImage.*`).
 * What the image is (the build's own, or an account image with `RetainImportedImage`, as the
 * service does) is the app's to decide: `deps.registerBase`.
 */
export async function importOssBase(deps: OssBaseDeps, req: OssBaseRequest): Promise<Image> {
  if (!deps.oss) throw ossNotConfigured('BaseImageType=OSS');
  const oss = deps.oss;
  const disk = systemDisk(req.pipeline);
  if (disk.dataDisks > 0) {
    req.log('system', `ImportImageOptions lists ${disk.dataDisks} data disk(s); Kiln images are one root filesystem, so only the system disk (${disk.name}) is imported.\n`);
  }
  req.log('system', `Importing the base image from ${disk.name} (${oss.store.endpoint}).\n`);
  const manifestDigest = await withScratch(oss, async (dir) => {
    const file = join(dir, 'object');
    const size = await download(oss, disk, file, req.signal);
    return unpack(deps, disk, file, size, dir, req);
  });
  const { layers } = await readImage(deps.blobs, manifestDigest);
  try {
    return await deps.registerBase({ pipeline: req.pipeline, executionId: req.executionId, source: disk.name, manifestDigest, layers: layers.map((l) => ({ digest: l.digest, size: l.size })) });
  } catch (err) {
    // A refusal (a taken name, the image quota) fails the build at PREPARING with its code.
    if (isKilnError(err)) throw new StepFailure(err.code, err.message);
    throw err;
  }
}

const PREFIX = 'BaseImageType=OSS: ';

/** The system disk's object, as the template names it. */
interface SystemDisk {
  bucket: string;
  object: string;
  /** `oss://bucket/object` */
  name: string;
  /** ` (Format=…)` when the template declares one, for messages. */
  declared: string;
  /** The declared Format, checked against the object's magic. */
  format?: string;
  dataDisks: number;
}

function systemDisk(pipeline: ImagePipeline): SystemDisk {
  const options = pipeline.importImageOptions;
  const system = options?.diskDeviceMappings[0];
  if (!options || !system?.ossBucket || !system.ossObject) {
    // CreateImagePipeline already refuses this (MissingParameter.ImportImageOptions…); a template stored before that rule is told the same.
    throw new StepFailure('MissingParameter.ImportImageOptions', 'BaseImageType=OSS: the template names no OSS object for the system disk (ImportImageOptions.DiskDeviceMappings.1.OSSBucket and OSSObject).');
  }
  if (options.osType === 'windows') {
    throw new StepFailure('InvalidImage.OsTypeUnsupported', 'BaseImageType=OSS: ImportImageOptions.OSType=windows; Kiln builds Linux images.');
  }
  return {
    bucket: system.ossBucket, object: system.ossObject, name: `oss://${system.ossBucket}/${system.ossObject}`,
    declared: system.format ? ` (Format=${system.format})` : '', ...(system.format ? { format: system.format } : {}), dataDisks: options.diskDeviceMappings.length - 1,
  };
}

/** Fetches the object into `file`; returns its size. */
async function download(oss: OssAccess, disk: SystemDisk, file: string, signal: AbortSignal): Promise<number> {
  const { name } = disk;
  let fetched: StoredObject;
  try {
    fetched = await oss.store.get(disk.bucket, disk.object, signal);
  } catch (err) {
    if (signal.aborted) throw new StepCancelled();
    throw storeFailure(err, PREFIX);
  }
  // The object is kept on the host until it is imported: at most KILN_OSS_MAX_OBJECT_BYTES of it,
  // refused before reading when the store says its size, and as it arrives when it does not.
  const max = oss.maxObjectBytes;
  const tooLarge = (bytes: number) => objectTooLarge(PREFIX, name, bytes, max, 'this Kiln downloads to import (KILN_OSS_MAX_OBJECT_BYTES)');
  if (fetched.size !== undefined && fetched.size > max) {
    fetched.body.destroy();
    throw tooLarge(fetched.size);
  }
  let over: StepFailure | undefined;
  try {
    await pump(fetched.body, async function* atMost(source: AsyncIterable<Buffer>) {
      let bytes = 0;
      for await (const piece of source) {
        bytes += piece.length;
        if (bytes > max) throw (over = tooLarge(bytes));
        yield piece;
      }
    }, createWriteStream(file));
  } catch (err) {
    if (over) throw over;
    if (signal.aborted) throw new StepCancelled();
    throw new StepFailure('OSS.Unavailable', `${PREFIX}reading ${name} from ${oss.store.endpoint} failed: ${(err as Error).message}`);
  }
  const { size } = await stat(file);
  if (fetched.size !== undefined && size !== fetched.size) {
    throw new StepFailure('OSS.Unavailable', `${PREFIX}reading ${name} from ${oss.store.endpoint} ended after ${size} of its ${fetched.size} bytes.`);
  }
  return size;
}

/**
 * Imports the downloaded object into the blob store (an archive, or a disk image in a format
 * checked against the template's declared one: `importImageFile`); returns its manifest's digest.
 * The disk's temporary raw file lives in `dir`, the download's own scratch folder.
 */
async function unpack(deps: OssBaseDeps, disk: SystemDisk, file: string, size: number, dir: string, req: OssBaseRequest): Promise<string> {
  const { name, declared } = disk;
  const format = await sniffArchive(file);
  req.log('system', `${name}: ${size} bytes, ${FORMAT_NAMES[format]}; importing it.\n`);
  try {
    const { manifestDigest } = await importImageFile(deps, file, {
      tmpDir: dir, source: `BaseImageType=OSS import of ${name}`, signal: req.signal, ...(disk.format ? { declaredFormat: disk.format } : {}),
    });
    return manifestDigest;
  } catch (err) {
    if (err instanceof StepFailure) throw err;
    if (req.signal.aborted) throw new StepCancelled();
    // An unreadable archive keeps the code builds have always ended with.
    if (err instanceof KilnError && err.code === 'InvalidImage.ArchiveCorrupt') throw new StepFailure('OSS.ImageFormatNotSupported', `${PREFIX}${name}${declared} could not be read as ${ACCEPTED_FORMATS}: ${err.message}`);
    if (err instanceof KilnError) throw new StepFailure(err.code, `${PREFIX}${name}: ${err.message}`);
    throw err;
  }
}
