import type { StorageQuotas, StorageQuotasOf } from '../domain/storage-quota.js';

/** Default image quota per account: the distinct layer bytes of its images (`KILN_ACCOUNT_IMAGE_BYTES_QUOTA`). */
export const DEFAULT_ACCOUNT_IMAGE_BYTES_QUOTA = 20 * 1024 ** 3;
/** Default step-cache quota per account: the distinct blob bytes its cache entries name (`KILN_ACCOUNT_CACHE_BYTES_QUOTA`). */
export const DEFAULT_ACCOUNT_CACHE_BYTES_QUOTA = 5 * 1024 ** 3;

/** Accounts whose quotas differ from the defaults, by AccountId; an absent field keeps the default. */
export type AccountStorageQuotas = Record<string, Partial<StorageQuotas>>;

/**
 * Checks `KILN_ACCOUNT_STORAGE_QUOTAS` / `accountStorageQuotas`: a JSON object from AccountId to
 * `{"imageBytes": n, "cacheBytes": n}` (non-negative integers; 0: no limit).
 */
export function accountStorageQuotasFrom(raw: unknown, where: string): AccountStorageQuotas {
  if (raw === undefined || raw === '') return {};
  const shape = `${where} must be a JSON object of {"<AccountId>": {"imageBytes": n, "cacheBytes": n}} with non-negative integers`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(shape);
  const out: AccountStorageQuotas = {};
  for (const [accountId, value] of Object.entries(raw as Record<string, unknown>)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(shape);
    const q: Partial<StorageQuotas> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if ((k !== 'imageBytes' && k !== 'cacheBytes') || !Number.isSafeInteger(v) || (v as number) < 0) throw new Error(`${shape} (account ${accountId}: ${k})`);
      q[k] = v as number;
    }
    out[accountId] = q;
  }
  return out;
}

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
