import type { StorageQuotas, StorageQuotasOf } from '../domain/storage-quota.js';

/** Accounts whose quotas differ from the defaults, by AccountId; an absent field keeps the default (`accountStorageQuotas`, see schema.ts). */
export type AccountStorageQuotas = Record<string, Partial<StorageQuotas>>;

/** Each account's quotas: its own entry over the defaults. */
export function storageQuotasOf(config: { accountImageBytesQuota: number; accountCacheBytesQuota: number; accountStorageQuotas: AccountStorageQuotas }): StorageQuotasOf {
  return (accountId) => {
    const own = Object.hasOwn(config.accountStorageQuotas, accountId) ? config.accountStorageQuotas[accountId]! : {};
    return {
      imageBytes: own.imageBytes ?? config.accountImageBytesQuota,
      cacheBytes: own.cacheBytes ?? config.accountCacheBytesQuota,
    };
  };
}
