import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_REGIONS, type Region } from '../domain/catalog/regions.js';
import { parseRange } from '../engine/instance/address-ranges.js';
import type { S3Settings } from '../oss/s3-object-store.js';
import { DEFAULT_ACCOUNT_CACHE_BYTES_QUOTA, DEFAULT_ACCOUNT_IMAGE_BYTES_QUOTA, accountStorageQuotasFrom, type AccountStorageQuotas } from './storage-quotas.js';
import { ossAccountsFrom, type OssAccountGrant } from '../oss/oss-grants.js';
import { DEFAULT_TASK_OUTPUT_MAX_BYTES } from '../engine/build/task-output.js';

/** Everything Kiln can be told at start. Environment variables win over the config file. */
export interface KilnConfig {
  host: string;
  port: number;
  /** SQLite file, blobs and the generated default credentials live here. */
  dataDir: string;
  /** Absent: SQLite in the data dir. `postgres://…`: PostgreSQL. */
  databaseUrl?: string;
  /** The default account's AccessKey; generated and persisted in the data dir when absent. */
  accessKeyId?: string;
  accessKeySecret?: string;
  regions: Region[];
  /** Templates an account may hold in one region (`QuotaExceed.ImagePipeline` past it). */
  pipelineQuota: number;
  /** Components an account may hold in one region (`QuotaExceed.ImageComponent` past it). */
  componentQuota: number;
  /** The `HostId` of error bodies. */
  hostId: string;
  /** Build workers `kiln serve` runs in-process (0: API only; run `kiln worker` elsewhere). */
  workers: number;
  /** How long a worker's claim on a build lasts without renewal (a killed worker's build is taken back after it). */
  leaseMs: number;
  /**
   * Image ids that stand for another image (`*` matches any run of characters): the first
   * matching alias answers for an id no image has, so templates naming public Alibaba Cloud
   * image ids run unchanged. Default: `DEFAULT_IMAGE_ALIASES`.
   */
  imageAliases: ImageAlias[];
  /**
   * The S3-compatible object store that BaseImageType=OSS imports and the OSSDownload/OSSUpload
   * tasks reach (buckets and objects as the templates name them), and which buckets each account
   * may reach there (`accounts`). Absent: those fail with `OSS.NotConfigured`.
   */
  oss?: OssConfig;
  /** The step cache's size bound in bytes (`KILN_CACHE_MAX_BYTES`; least recently used entries are evicted past it). */
  cacheMaxBytes: number;
  /** Garbage collection keeps anything written or used more recently than this (`KILN_GC_GRACE_MS`). */
  gcGraceMs: number;
  /** A worker collects garbage after a build when the last collection is older than this (`KILN_GC_INTERVAL_MS`; 0: after every build). */
  gcIntervalMs: number;
  /**
   * Per-account image quota (`KILN_ACCOUNT_IMAGE_BYTES_QUOTA`, default 20 GiB; 0: none): the
   * distinct layer bytes of the images an account owns, in all regions. An image past it is not
   * registered (`QuotaExceed.ImageStorage`); see `domain/storage-quota.ts`.
   */
  accountImageBytesQuota: number;
  /**
   * Per-account step-cache quota (`KILN_ACCOUNT_CACHE_BYTES_QUOTA`, default 5 GiB; 0: none): the
   * distinct blob bytes an account's cache entries name, in all regions; its least recently used
   * entries are evicted past it.
   */
  accountCacheBytesQuota: number;
  /** Accounts with their own quotas (`KILN_ACCOUNT_STORAGE_QUOTAS`, JSON: `{"<AccountId>": {"imageBytes": n, "cacheBytes": n}}`). */
  accountStorageQuotas: AccountStorageQuotas;
  /**
   * Builds of one account running at once over all workers (`KILN_ACCOUNT_MAX_RUNNING`; 0: no
   * limit): the account's further builds wait while other accounts' builds go on.
   */
  accountMaxRunning: number;
  /** A build running longer than this from its claim ends FAILED with `BuildTimeout` (`KILN_BUILD_TIMEOUT_MS`; 0: no limit). */
  buildTimeoutMs: number;
  /**
   * Host disk admission (`KILN_HOST_DISK_ADMISSION`): a build is claimed only when the
   * SystemDiskSizes of the builds running on the host, plus its own, fit in the data dir's free
   * space minus `hostDiskReserveBytes`; it waits otherwise. One bigger than the data dir's
   * filesystem minus the reserve (it could never fit) ends FAILED with `InsufficientHostDisk`.
   */
  hostDiskAdmission: boolean;
  /** Free space of the data dir's filesystem never promised to build disks (`KILN_HOST_DISK_RESERVE_BYTES`). */
  hostDiskReserveBytes: number;
  /**
   * A build waiting for host disk that this many claims went past holds the room it needs:
   * smaller builds stop taking it until it runs (`KILN_HOST_DISK_HOLD_AFTER`; 0: never).
   */
  hostDiskHoldAfter: number;
  /**
   * Bytes of output stored per execution (`KILN_LOG_MAX_BYTES`): output past it is not kept and
   * one truncation line says so; the build goes on (0: no cap).
   */
  logMaxBytes: number;
  /**
   * The most a YAML task may print on stdout for `{{ task.stdout }}` references
   * (`KILN_TASK_OUTPUT_MAX_BYTES`, default 24 KiB as Cloud Assistant keeps of a command's output;
   * 1 byte … 1 MiB): only that much is held and stored in the step cache; a task that refers to
   * the output of one that printed more fails with `TaskOutputTooLarge`.
   */
  taskOutputMaxBytes: number;
  /**
   * Log streams (`/kiln/v1/executions/<id>/logs`) one account may have open at once on an API
   * process (`KILN_LOG_STREAMS_PER_ACCOUNT`, default 16; 0: no limit); past it `Throttling.User`.
   */
  logStreamsPerAccount: number;
  /** A log stream whose reader takes nothing for this long is closed (`KILN_LOG_STREAM_IDLE_MS`, default 60 s; 0: never). */
  logStreamIdleMs: number;
  /**
   * Private ranges (CIDR blocks) that builds with InternetMaxBandwidthOut > 0 may reach
   * (`KILN_NETWORK_ALLOW`, comma-separated). Default none: builds reach the internet only, never
   * the host's own addresses (whatever this says), RFC 1918, link-local, CGNAT and the like.
   */
  networkAllow: string[];
  /**
   * First host id of the build instances' user-namespace ranges (`KILN_INSTANCE_ID_BASE`,
   * default 2^31): instance n's container ids 0–65535 are host ids base + n·65536 + 0…65535.
   * The span must not overlap the host's users, groups or /etc/subuid and /etc/subgid ranges
   * (checked when the first instance is created).
   */
  instanceIdBase: number;
  /** How many such 65536-id ranges there are, so instances at once on the machine (`KILN_INSTANCE_ID_RANGES`, default 4096). */
  instanceIdRanges: number;
}

/** `KILN_OSS_ENDPOINT`, `KILN_OSS_ACCESS_KEY_ID`, `KILN_OSS_ACCESS_KEY_SECRET`, `KILN_OSS_REGION`, `KILN_OSS_PATH_STYLE`, `KILN_OSS_ACCOUNTS`, `KILN_OSS_MAX_OBJECT_BYTES`. */
export interface OssConfig extends S3Settings {
  /**
   * Each account's buckets (and its own key, and per-`RoleName` refinements), by AccountId
   * (`KILN_OSS_ACCOUNTS`, JSON). An account without an entry reaches no bucket, except the
   * default account, which keeps every bucket with Kiln's key (see `resolveGrant`).
   */
  accounts: Record<string, OssAccountGrant>;
  /**
   * The largest object Kiln moves through the host (`KILN_OSS_MAX_OBJECT_BYTES`, default 64 GiB):
   * a BaseImageType=OSS object is refused past it before it is downloaded, and an OSSUpload
   * file past it (or past 5 GiB, a single PutObject's limit) before it is read; both end
   * `OSS.ObjectTooLarge`.
   */
  maxObjectBytes: number;
}

/** `pattern` (a glob with `*`) names `image` (a system image or an image the caller can see). */
export interface ImageAlias {
  pattern: string;
  image: string;
}

/** Public Alibaba Cloud Linux image ids run on the Debian minbase system image. */
export const DEFAULT_IMAGE_ALIASES: readonly ImageAlias[] = [
  'ubuntu_*', 'debian_*', 'aliyun_*', 'alinux_*', 'centos_*', 'anolisos_*', 'rockylinux_*', 'almalinux_*', 'opensuse_*', 'fedora_*',
].map((pattern) => ({ pattern, image: 'debian_minbase_x64_20G_kiln_base.vhd' }));

function imageAliasesFrom(raw: unknown, where: string): ImageAlias[] {
  if (!Array.isArray(raw) || !raw.every((a) => a && typeof a === 'object' && typeof (a as ImageAlias).pattern === 'string'
    && typeof (a as ImageAlias).image === 'string' && (a as ImageAlias).pattern !== '' && (a as ImageAlias).image !== '')) {
    throw new Error(`${where} must be a JSON list of {"pattern": "…", "image": "…"}`);
  }
  return (raw as ImageAlias[]).map((a) => ({ pattern: a.pattern, image: a.image }));
}

type FileConfig = Partial<Omit<KilnConfig, 'regions' | 'imageAliases' | 'oss'>> & { regions?: Array<string | Region>; imageAliases?: unknown; oss?: Partial<S3Settings> & { accounts?: unknown; maxObjectBytes?: number } };

function flag(name: string, raw: string | boolean | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  if (typeof raw === 'boolean') return raw;
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}

/** The object store settings, or undefined when no endpoint is configured (OSS features then fail clearly). */
function ossFrom(env: NodeJS.ProcessEnv, file: Partial<S3Settings> & { accounts?: unknown; maxObjectBytes?: number } = {}): OssConfig | undefined {
  const endpoint = env.KILN_OSS_ENDPOINT || file.endpoint;
  const accounts = env.KILN_OSS_ACCOUNTS
    ? ossAccountsFrom(parseJson(env.KILN_OSS_ACCOUNTS, 'KILN_OSS_ACCOUNTS'), 'KILN_OSS_ACCOUNTS')
    : file.accounts !== undefined ? ossAccountsFrom(file.accounts, 'oss.accounts (KILN_CONFIG)') : {};
  // Grants without a store would be silently unused: say so.
  if (!endpoint && Object.keys(accounts).length > 0) throw new Error('KILN_OSS_ACCOUNTS (oss.accounts) needs KILN_OSS_ENDPOINT');
  if (!endpoint) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`KILN_OSS_ENDPOINT must be an http(s) URL, got "${endpoint}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`KILN_OSS_ENDPOINT must be an http(s) URL, got "${endpoint}"`);
  const accessKeyId = env.KILN_OSS_ACCESS_KEY_ID || file.accessKeyId;
  const accessKeySecret = env.KILN_OSS_ACCESS_KEY_SECRET || file.accessKeySecret;
  // Without them the SDK would look for credentials elsewhere (files, instance metadata): say so now instead.
  if (!accessKeyId || !accessKeySecret) throw new Error('KILN_OSS_ENDPOINT needs KILN_OSS_ACCESS_KEY_ID and KILN_OSS_ACCESS_KEY_SECRET');
  return {
    endpoint: endpoint.replace(/\/+$/, ''),
    accessKeyId,
    accessKeySecret,
    region: env.KILN_OSS_REGION || file.region || 'us-east-1',
    pathStyle: flag('KILN_OSS_PATH_STYLE', env.KILN_OSS_PATH_STYLE ?? file.pathStyle, true),
    accounts,
    maxObjectBytes: intBetween('KILN_OSS_MAX_OBJECT_BYTES', env.KILN_OSS_MAX_OBJECT_BYTES ?? file.maxObjectBytes, 64 * 1024 ** 3, 1, Number.MAX_SAFE_INTEGER),
  };
}

function regionsFrom(list: Array<string | Region>): Region[] {
  return list.map((r) => {
    if (typeof r !== 'string') return r;
    const known = DEFAULT_REGIONS.find((d) => d.regionId === r);
    return known ?? { regionId: r, localName: r };
  });
}

function positiveInt(name: string, raw: string | number | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

/** An integer setting that must lie within `min` … `max` (a setting that cannot be switched off). */
function intBetween(name: string, raw: string | number | undefined, fallback: number, min: number, max: number): number {
  const n = positiveInt(name, raw, fallback);
  if (n < min || n > max) throw new Error(`${name} must be between ${min} and ${max}, got "${raw}"`);
  return n;
}

/** `KILN_NETWORK_ALLOW` (`10.1.0.0/16,192.168.5.0/24`) or `networkAllow` (a list or the same string), checked. */
function networkAllowFrom(raw: unknown): string[] {
  if (raw === undefined || raw === '') return [];
  const list = typeof raw === 'string' ? raw.split(/[\s,]+/).filter(Boolean) : raw;
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) throw new Error('networkAllow must be a list of CIDR blocks');
  for (const block of list) {
    try {
      parseRange(block);
    } catch (err) {
      throw new Error(`KILN_NETWORK_ALLOW: ${(err as Error).message}`);
    }
  }
  return list.map((x) => x.trim());
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${name} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * Reads the configuration from the environment (`KILN_*`) and, when `KILN_CONFIG` names one,
 * a JSON file with the same fields in camelCase (`{"port": 8080, "regions": ["cn-hangzhou"]}`).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): KilnConfig {
  let file: FileConfig = {};
  if (env.KILN_CONFIG) {
    const path = resolve(env.KILN_CONFIG);
    if (!existsSync(path)) throw new Error(`KILN_CONFIG names ${path}, which does not exist`);
    file = JSON.parse(readFileSync(path, 'utf8')) as FileConfig;
  }
  const regionList = env.KILN_REGIONS ? env.KILN_REGIONS.split(',').map((s) => s.trim()).filter(Boolean) : file.regions;
  const config: KilnConfig = {
    host: env.KILN_HOST || file.host || '127.0.0.1',
    port: positiveInt('KILN_PORT', env.KILN_PORT ?? file.port, 8080),
    dataDir: resolve(env.KILN_DATA_DIR || file.dataDir || './data'),
    regions: regionList ? regionsFrom(regionList) : [...DEFAULT_REGIONS],
    pipelineQuota: positiveInt('KILN_PIPELINE_QUOTA', env.KILN_PIPELINE_QUOTA ?? file.pipelineQuota, 100),
    componentQuota: positiveInt('KILN_COMPONENT_QUOTA', env.KILN_COMPONENT_QUOTA ?? file.componentQuota, 200),
    hostId: env.KILN_HOST_ID || file.hostId || 'ecs.aliyuncs.com',
    workers: positiveInt('KILN_WORKERS', env.KILN_WORKERS ?? file.workers, 1),
    leaseMs: positiveInt('KILN_LEASE_MS', env.KILN_LEASE_MS ?? file.leaseMs, 30_000),
    cacheMaxBytes: positiveInt('KILN_CACHE_MAX_BYTES', env.KILN_CACHE_MAX_BYTES ?? file.cacheMaxBytes, 10 * 1024 ** 3),
    gcGraceMs: positiveInt('KILN_GC_GRACE_MS', env.KILN_GC_GRACE_MS ?? file.gcGraceMs, 10 * 60_000),
    gcIntervalMs: positiveInt('KILN_GC_INTERVAL_MS', env.KILN_GC_INTERVAL_MS ?? file.gcIntervalMs, 5 * 60_000),
    accountImageBytesQuota: positiveInt('KILN_ACCOUNT_IMAGE_BYTES_QUOTA', env.KILN_ACCOUNT_IMAGE_BYTES_QUOTA ?? file.accountImageBytesQuota, DEFAULT_ACCOUNT_IMAGE_BYTES_QUOTA),
    accountCacheBytesQuota: positiveInt('KILN_ACCOUNT_CACHE_BYTES_QUOTA', env.KILN_ACCOUNT_CACHE_BYTES_QUOTA ?? file.accountCacheBytesQuota, DEFAULT_ACCOUNT_CACHE_BYTES_QUOTA),
    accountStorageQuotas: env.KILN_ACCOUNT_STORAGE_QUOTAS
      ? accountStorageQuotasFrom(parseJson(env.KILN_ACCOUNT_STORAGE_QUOTAS, 'KILN_ACCOUNT_STORAGE_QUOTAS'), 'KILN_ACCOUNT_STORAGE_QUOTAS')
      : accountStorageQuotasFrom(file.accountStorageQuotas, 'accountStorageQuotas (KILN_CONFIG)'),
    accountMaxRunning: positiveInt('KILN_ACCOUNT_MAX_RUNNING', env.KILN_ACCOUNT_MAX_RUNNING ?? file.accountMaxRunning, 2),
    buildTimeoutMs: positiveInt('KILN_BUILD_TIMEOUT_MS', env.KILN_BUILD_TIMEOUT_MS ?? file.buildTimeoutMs, 6 * 3_600_000),
    hostDiskAdmission: flag('KILN_HOST_DISK_ADMISSION', env.KILN_HOST_DISK_ADMISSION ?? file.hostDiskAdmission, true),
    hostDiskReserveBytes: positiveInt('KILN_HOST_DISK_RESERVE_BYTES', env.KILN_HOST_DISK_RESERVE_BYTES ?? file.hostDiskReserveBytes, 5 * 1024 ** 3),
    hostDiskHoldAfter: positiveInt('KILN_HOST_DISK_HOLD_AFTER', env.KILN_HOST_DISK_HOLD_AFTER ?? file.hostDiskHoldAfter, 3),
    logMaxBytes: positiveInt('KILN_LOG_MAX_BYTES', env.KILN_LOG_MAX_BYTES ?? file.logMaxBytes, 16 * 1024 ** 2),
    taskOutputMaxBytes: intBetween('KILN_TASK_OUTPUT_MAX_BYTES', env.KILN_TASK_OUTPUT_MAX_BYTES ?? file.taskOutputMaxBytes, DEFAULT_TASK_OUTPUT_MAX_BYTES, 1, 1024 ** 2),
    logStreamsPerAccount: positiveInt('KILN_LOG_STREAMS_PER_ACCOUNT', env.KILN_LOG_STREAMS_PER_ACCOUNT ?? file.logStreamsPerAccount, 16),
    logStreamIdleMs: positiveInt('KILN_LOG_STREAM_IDLE_MS', env.KILN_LOG_STREAM_IDLE_MS ?? file.logStreamIdleMs, 60_000),
    networkAllow: networkAllowFrom(env.KILN_NETWORK_ALLOW ?? file.networkAllow),
    instanceIdBase: positiveInt('KILN_INSTANCE_ID_BASE', env.KILN_INSTANCE_ID_BASE ?? file.instanceIdBase, 2 ** 31),
    instanceIdRanges: positiveInt('KILN_INSTANCE_ID_RANGES', env.KILN_INSTANCE_ID_RANGES ?? file.instanceIdRanges, 4096),
    imageAliases: env.KILN_IMAGE_ALIASES
      ? imageAliasesFrom(parseJson(env.KILN_IMAGE_ALIASES, 'KILN_IMAGE_ALIASES'), 'KILN_IMAGE_ALIASES')
      : file.imageAliases !== undefined ? imageAliasesFrom(file.imageAliases, 'imageAliases (KILN_CONFIG)') : [...DEFAULT_IMAGE_ALIASES],
  };
  const databaseUrl = env.KILN_DATABASE_URL || file.databaseUrl;
  if (databaseUrl) config.databaseUrl = databaseUrl;
  const accessKeyId = env.KILN_ACCESS_KEY_ID || file.accessKeyId;
  const accessKeySecret = env.KILN_ACCESS_KEY_SECRET || file.accessKeySecret;
  if (accessKeyId) config.accessKeyId = accessKeyId;
  if (accessKeySecret) config.accessKeySecret = accessKeySecret;
  const oss = ossFrom(env, file.oss);
  if (oss) config.oss = oss;
  if (config.regions.length === 0) throw new Error('the region list is empty');
  return config;
}
