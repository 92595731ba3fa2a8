/*
 * Which buckets each account may reach, and with which key. One Kiln serves many accounts
 * through one object store; the cloud keeps them apart with each account's own RAM roles
 * (ECS assumes `ImportImageOptions.RoleName`, default `AliyunECSImageImportDefaultRole`, to
 * read an import; Image Builder's service-linked role reaches only the buckets the account
 * tagged for it). Kiln's stand-in is the operator's grant table: `oss.accounts` in the
 * KILN_CONFIG file or `KILN_OSS_ACCOUNTS`, by AccountId.
 */

/** The key Kiln signs an account's S3 requests with. */
export interface OssKey {
  accessKeyId: string;
  accessKeySecret: string;
}

/** What a role of an account may reach; absent fields are the account's own. */
export interface OssRoleGrant {
  buckets?: string[];
  accessKeyId?: string;
  accessKeySecret?: string;
}

/**
 * One account's grant: bucket names or patterns (`*` matches any run of bucket-name
 * characters; `"*"` alone is every bucket), its own key (absent: Kiln's `KILN_OSS_ACCESS_KEY_*`),
 * and per-`RoleName` refinements.
 */
export interface OssAccountGrant {
  buckets: string[];
  accessKeyId?: string;
  accessKeySecret?: string;
  roles: Record<string, OssRoleGrant>;
}

/** The role OSSDownload/OSSUpload run under, as on the cloud: Image Builder's service-linked role. */
export const STEP_ROLE = 'AliyunServiceRoleForECSImageBuilder';
/** ECS's default `RoleName` for reading an import from OSS (ImportImage, `ImportImageOptions.RoleName`). */
export const IMPORT_ROLE = 'AliyunECSImageImportDefaultRole';

/** An account's grant as it applies to one request: the buckets, the key, and words for messages. */
export interface ResolvedGrant {
  buckets: readonly string[];
  key: OssKey;
  /** e.g. `account 123 (role AliyunECSImageImportDefaultRole)`, for refusals. */
  who: string;
}

/**
 * The grant `accountId` has through `roleName`: `roles[roleName]` where configured (its
 * missing fields taken from the account), else the account's own. An account with no entry
 * has no bucket — except the default account, which keeps every bucket with Kiln's key so a
 * single-tenant Kiln needs no grant table (give it an entry to narrow it).
 */
export function resolveGrant(
  table: Readonly<Record<string, OssAccountGrant>>,
  kilnKey: OssKey,
  defaultAccountId: string | undefined,
  accountId: string,
  roleName: string,
): ResolvedGrant {
  const entry = Object.hasOwn(table, accountId) ? table[accountId] : undefined;
  if (!entry) {
    if (accountId === defaultAccountId) return { buckets: ['*'], key: kilnKey, who: `the default account ${accountId}` };
    return { buckets: [], key: kilnKey, who: `account ${accountId} (no OSS grant is configured for it)` };
  }
  const role = Object.hasOwn(entry.roles, roleName) ? entry.roles[roleName] : undefined;
  const own: OssKey = entry.accessKeyId && entry.accessKeySecret ? { accessKeyId: entry.accessKeyId, accessKeySecret: entry.accessKeySecret } : kilnKey;
  const key: OssKey = role?.accessKeyId && role.accessKeySecret ? { accessKeyId: role.accessKeyId, accessKeySecret: role.accessKeySecret } : own;
  return { buckets: role?.buckets ?? entry.buckets, key, who: `account ${accountId}${role ? ` (role ${roleName})` : ''}` };
}

/** An OSS bucket name (lowercase letters, digits, hyphens; dots as S3-compatible stores allow, never two in a row). */
const BUCKET = /^[a-z0-9](?:[a-z0-9-]|\.(?!\.)){1,61}[a-z0-9]$/;
const PATTERN = /^[a-z0-9.*-]{1,63}$/;

export function isBucketName(name: string): boolean {
  return BUCKET.test(name);
}

/** Whether `bucket` is one `patterns` names; a `*` never matches a character a bucket name cannot hold. */
export function bucketGranted(patterns: readonly string[], bucket: string): boolean {
  if (!isBucketName(bucket)) return false;
  return patterns.some((p) => new RegExp(`^${p.split('*').map((part) => part.replace(/\./g, '\\.')).join('[a-z0-9.-]*')}$`).test(bucket));
}

function keyPair(raw: Record<string, unknown>, where: string): Partial<OssKey> {
  const { accessKeyId, accessKeySecret } = raw;
  if (accessKeyId === undefined && accessKeySecret === undefined) return {};
  if (typeof accessKeyId !== 'string' || accessKeyId === '' || typeof accessKeySecret !== 'string' || accessKeySecret === '') {
    throw new Error(`${where}: accessKeyId and accessKeySecret go together, both non-empty strings`);
  }
  return { accessKeyId, accessKeySecret };
}

function bucketList(raw: unknown, where: string): string[] {
  if (!Array.isArray(raw) || !raw.every((b) => typeof b === 'string' && PATTERN.test(b))) {
    throw new Error(`${where}.buckets must be a list of bucket names or patterns (lowercase letters, digits, ".", "-", "*"), e.g. ["team-a-images", "team-a-*"]`);
  }
  return [...raw] as string[];
}

function object(raw: unknown, where: string, shape: string): Record<string, unknown> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${where} must be a JSON object ${shape}`);
  return raw as Record<string, unknown>;
}

const ACCOUNT_SHAPE = '{"<AccountId>": {"buckets": ["…"], "accessKeyId"?, "accessKeySecret"?, "roles"?: {"<RoleName>": {"buckets"?, "accessKeyId"?, "accessKeySecret"?}}}}';

/** Reads and checks a grant table (`KILN_OSS_ACCOUNTS` or the config file's `oss.accounts`); `where` names it in errors. */
export function ossAccountsFrom(raw: unknown, where: string): Record<string, OssAccountGrant> {
  const table: Record<string, OssAccountGrant> = Object.create(null) as Record<string, OssAccountGrant>; // an account or role named __proto__ is a key like any other
  for (const [accountId, value] of Object.entries(object(raw, where, ACCOUNT_SHAPE))) {
    const at = `${where}["${accountId}"]`;
    if (!/^[0-9]{1,32}$/.test(accountId)) throw new Error(`${where}: "${accountId}" is not an AccountId (digits)`);
    const entry = object(value, at, '{"buckets": […], …}');
    for (const k of Object.keys(entry)) {
      if (!['buckets', 'accessKeyId', 'accessKeySecret', 'roles'].includes(k)) throw new Error(`${at}: unknown field "${k}"`);
    }
    const roles: Record<string, OssRoleGrant> = Object.create(null) as Record<string, OssRoleGrant>;
    for (const [roleName, r] of Object.entries(entry.roles === undefined ? {} : object(entry.roles, `${at}.roles`, '{"<RoleName>": {…}}'))) {
      const rat = `${at}.roles["${roleName}"]`;
      const role = object(r, rat, '{"buckets"?, "accessKeyId"?, "accessKeySecret"?}');
      for (const k of Object.keys(role)) {
        if (!['buckets', 'accessKeyId', 'accessKeySecret'].includes(k)) throw new Error(`${rat}: unknown field "${k}"`);
      }
      roles[roleName] = { ...(role.buckets !== undefined ? { buckets: bucketList(role.buckets, rat) } : {}), ...keyPair(role, rat) };
    }
    table[accountId] = { buckets: entry.buckets === undefined ? [] : bucketList(entry.buckets, at), ...keyPair(entry, at), roles };
  }
  return table;
}
