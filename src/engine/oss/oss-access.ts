import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ObjectStoreError, type AccountObjectStores, type ObjectStore } from '../../oss/object-store.js';
import { StepFailure } from '../build/step-failure.js';

/** How one build reaches OSS: the object store as its account may use it, and a folder for objects on their way. */
export interface OssAccess {
  store: ObjectStore;
  /** Files being transferred live here (on the data dir's disk, not in memory) until the transfer ends. */
  scratchDir: string;
  /** The largest object moved through the host (`KILN_OSS_MAX_OBJECT_BYTES`; see `objectTooLarge`). */
  maxObjectBytes: number;
}

/** How the engine reaches OSS for every account: the store per account and role, and the scratch folder. */
export interface OssTenancy {
  stores: AccountObjectStores;
  scratchDir: string;
  maxObjectBytes: number;
}

/** The OSS access of `accountId` through `roleName` (see `AccountObjectStores`); undefined without an object store. */
export function ossAccessFor(oss: OssTenancy | undefined, accountId: string, roleName: string): OssAccess | undefined {
  return oss && { store: oss.stores.storeFor(accountId, roleName), scratchDir: oss.scratchDir, maxObjectBytes: oss.maxObjectBytes };
}

/** The most OSSUpload sends: one PutObject request carries at most 5 GiB (OSS and S3 alike). */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;

/**
 * `OSS.ObjectTooLarge`: an object (or a file to upload) larger than Kiln moves through the host.
 * Raised before its bytes are read, so nothing of it is stored on the host.
 */
export function objectTooLarge(prefix: string, what: string, bytes: number, maxBytes: number, why: string): StepFailure {
  return new StepFailure('OSS.ObjectTooLarge', `${prefix}${what} holds ${bytes} bytes, more than the ${maxBytes} bytes ${why}.`);
}

/** The failure of a build that uses OSS on a Kiln without an object store. */
export function ossNotConfigured(what: string): StepFailure {
  return new StepFailure('OSS.NotConfigured', `${what} needs an S3-compatible object store, and none is configured for this Kiln (set KILN_OSS_ENDPOINT, KILN_OSS_ACCESS_KEY_ID and KILN_OSS_ACCESS_KEY_SECRET).`);
}

/** Runs `fn` with a fresh folder under the scratch dir, removed afterwards whatever happens. */
export async function withScratch<T>(access: OssAccess, fn: (dir: string) => Promise<T>): Promise<T> {
  await mkdir(access.scratchDir, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(access.scratchDir, 'x-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const CODES = {
  NotFound: 'InvalidImagePipeline.OSSObjectNotFound',
  AccessDenied: 'InvalidImagePipeline.OSSObjectNotAuthorized',
  Unavailable: 'OSS.Unavailable',
  Failed: 'OSS.RequestFailed',
} as const;

/**
 * An object store's refusal as the build's failure: the service's codes for a missing object
 * (`InvalidImagePipeline.OSSObjectNotFound`) and a refused one (`…OSSObjectNotAuthorized`),
 * Kiln's own for a store that is down or answers otherwise. Anything else is rethrown as is.
 */
export function storeFailure(err: unknown, prefix: string): StepFailure {
  if (err instanceof ObjectStoreError) return new StepFailure(CODES[err.kind], `${prefix}${err.message}`);
  throw err;
}
