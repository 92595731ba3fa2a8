import type { Readable } from 'node:stream';
import { ObjectStoreError, type MultipartOptions, type ObjectStore, type StoredObject } from './object-store.js';
import { bucketGranted, type ResolvedGrant } from './oss-grants.js';

/**
 * An object store as one account may use it: requests to a bucket its grant does not name are
 * refused (`AccessDenied`) before anything is sent, so a refusal says nothing about whether the
 * bucket or object exists.
 */
export class GrantedObjectStore implements ObjectStore {
  constructor(
    private readonly inner: ObjectStore,
    private readonly grant: Pick<ResolvedGrant, 'buckets' | 'who'>,
  ) {}

  get endpoint(): string {
    return this.inner.endpoint;
  }

  async get(bucket: string, key: string, signal?: AbortSignal): Promise<StoredObject> {
    this.check(bucket, key, 'read');
    return this.inner.get(bucket, key, signal);
  }

  async put(bucket: string, key: string, body: Readable, size: number, signal?: AbortSignal): Promise<void> {
    try {
      this.check(bucket, key, 'write');
    } catch (err) {
      body.destroy();
      throw err;
    }
    return this.inner.put(bucket, key, body, size, signal);
  }

  async copy(bucket: string, fromKey: string, toKey: string, signal?: AbortSignal): Promise<void> {
    this.check(bucket, toKey, 'write');
    return this.inner.copy(bucket, fromKey, toKey, signal);
  }

  async delete(bucket: string, key: string, signal?: AbortSignal): Promise<void> {
    this.check(bucket, key, 'write');
    return this.inner.delete(bucket, key, signal);
  }

  async putFile(bucket: string, key: string, file: string, size: number, options: MultipartOptions): Promise<void> {
    this.check(bucket, key, 'write');
    return this.inner.putFile(bucket, key, file, size, options);
  }

  private check(bucket: string, key: string, verb: 'read' | 'write'): void {
    if (bucketGranted(this.grant.buckets, bucket)) return;
    const granted = this.grant.buckets.length === 0 ? 'no bucket' : this.grant.buckets.join(', ');
    throw new ObjectStoreError('AccessDenied', `oss://${bucket}/${key}: ${this.grant.who} may not ${verb} bucket "${bucket}" on this Kiln (granted: ${granted}).`);
  }
}
