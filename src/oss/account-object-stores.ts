import type { OssConfig } from '../config/config.js';
import { GrantedObjectStore } from './granted-object-store.js';
import type { AccountObjectStores, ObjectStore } from './object-store.js';
import { resolveGrant } from './oss-grants.js';
import { S3ObjectStore } from './s3-object-store.js';

/**
 * The configured S3-compatible store as each account may use it: its granted buckets only,
 * signed with its own key where one is configured (one S3 client per key, made on first use).
 */
export class S3AccountObjectStores implements AccountObjectStores {
  private readonly clients = new Map<string, S3ObjectStore>();

  constructor(
    private readonly settings: OssConfig,
    /** The account that keeps every bucket when the table has no entry for it (`resolveGrant`). */
    private readonly defaultAccountId: string | undefined,
  ) {}

  storeFor(accountId: string, roleName: string): ObjectStore {
    const { accessKeyId, accessKeySecret } = this.settings;
    const grant = resolveGrant(this.settings.accounts, { accessKeyId, accessKeySecret }, this.defaultAccountId, accountId, roleName);
    const id = `${grant.key.accessKeyId}\n${grant.key.accessKeySecret}`;
    let client = this.clients.get(id);
    if (!client) {
      client = new S3ObjectStore({ ...this.settings, ...grant.key });
      this.clients.set(id, client);
    }
    return new GrantedObjectStore(client, grant);
  }
}
