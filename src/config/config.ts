import { blobStoreLocation } from './blob-store-location.js';
import { resolve } from 'node:path';
import { DEFAULT_REGIONS, type Region } from '../domain/catalog/regions.js';
import { parseRange } from '../engine/instance/address-ranges.js';
import { ossAccountsFrom } from '../oss/oss-grants.js';
import type { OssConfig } from './oss-schema.js';
import { SETTINGS, type Settings, type SettingSpec } from './schema.js';
import { envSource, fileSource, type SourceValues } from './sources.js';
import type { AccountStorageQuotas } from './storage-quotas.js';

export { DEFAULT_IMAGE_ALIASES, type ImageAlias } from './schema.js';
export type { OssConfig } from './oss-schema.js';

/**
 * Everything Kiln can be told at start, as `loadConfig` resolves it: each setting of the schema
 * (`schema.ts`, where every one is documented) with its default applied, the region ids made
 * `Region`s, and the object store present only when an endpoint is configured.
 */
export type KilnConfig = Omit<Settings, 'regions' | 'oss' | 'accountStorageQuotas'> & {
  regions: Region[];
  oss?: OssConfig;
  accountStorageQuotas: AccountStorageQuotas;
};

function valueAt(values: Record<string, unknown>, path: readonly string[]): unknown {
  let v: unknown = values;
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

/** One setting's value (environment over file over default) and the name of where it came from. */
interface Resolved {
  value: unknown;
  from: string;
  isDefault?: true;
}

function pick(spec: SettingSpec, env: SourceValues, file: SourceValues): Resolved {
  for (const s of [env, file]) {
    const v = valueAt(s.values, spec.path);
    if (v !== undefined) return { value: v, from: s.source.name(spec) };
  }
  return { value: structuredClone(spec.schema.default), from: `the default of ${spec.env}`, isDefault: true };
}

function regionsFrom(list: Array<string | Region>): Region[] {
  return list.map((r) => (typeof r === 'string' ? (DEFAULT_REGIONS.find((d) => d.regionId === r) ?? { regionId: r, localName: r }) : { ...r }));
}

function networkAllowFrom({ value, from }: Resolved): string[] {
  const list = (value as string[]).map((x) => x.trim());
  for (const block of list) {
    try {
      parseRange(block);
    } catch (err) {
      throw new Error(`${from}: ${(err as Error).message}`);
    }
  }
  return list;
}

/** The object store, or undefined when no endpoint is configured (OSS features then fail clearly). */
function ossFrom(get: (path: string) => Resolved): OssConfig | undefined {
  const endpoint = get('oss.endpoint').value as string | undefined;
  const accountsAt = get('oss.accounts');
  const accounts = accountsAt.isDefault ? {} : ossAccountsFrom(accountsAt.value, accountsAt.from);
  // Grants without a store would be silently unused: say so.
  if (!endpoint && Object.keys(accounts).length > 0) throw new Error('KILN_OSS_ACCOUNTS (oss.accounts) needs KILN_OSS_ENDPOINT (oss.endpoint)');
  if (!endpoint) return undefined;
  if (!URL.canParse(endpoint)) throw new Error(`${get('oss.endpoint').from} must be an http(s) URL, got "${endpoint}"`);
  const accessKeyId = get('oss.accessKeyId').value as string | undefined;
  const accessKeySecret = get('oss.accessKeySecret').value as string | undefined;
  // Without them the SDK would look for credentials elsewhere (files, instance metadata): say so now instead.
  if (!accessKeyId || !accessKeySecret) throw new Error('KILN_OSS_ENDPOINT needs KILN_OSS_ACCESS_KEY_ID and KILN_OSS_ACCESS_KEY_SECRET (oss.accessKeyId, oss.accessKeySecret)');
  return {
    endpoint: endpoint.replace(/\/+$/, ''),
    accessKeyId,
    accessKeySecret,
    region: get('oss.region').value as string,
    pathStyle: get('oss.pathStyle').value as boolean,
    accounts,
    maxObjectBytes: get('oss.maxObjectBytes').value as number,
  };
}

/**
 * Reads the configuration: each setting of the schema from its environment variable (`KILN_*`),
 * else from the JSON file `KILN_CONFIG` names (the same settings by key, `{"port": 8080,
 * "regions": ["cn-hangzhou"], "oss": {"endpoint": …}}`), else its default. Every source is
 * checked against the schema; a wrong value, an unknown file key or an unreadable file throws
 * an Error that names the variable or key, the value and what was expected.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): KilnConfig {
  const file = fileSource(env.KILN_CONFIG || undefined);
  const fromEnv = envSource(env);
  const resolved = new Map(SETTINGS.map((spec) => [spec.path.join('.'), pick(spec, fromEnv, file)]));
  const get = (path: string): Resolved => resolved.get(path)!;
  const top: Record<string, unknown> = {};
  for (const spec of SETTINGS) if (spec.path.length === 1) top[spec.path[0]!] = get(spec.path[0]!).value;
  const settings = top as Omit<Settings, 'oss'>;
  const config: KilnConfig = {
    ...settings,
    dataDir: resolve(settings.dataDir),
    regions: regionsFrom(settings.regions),
    networkAllow: networkAllowFrom(get('networkAllow')),
    imageAliases: settings.imageAliases.map((a) => ({ pattern: a.pattern, image: a.image })),
  };
  for (const optional of ['databaseUrl', 'accessKeyId', 'accessKeySecret', 'tlsCertFile', 'tlsKeyFile'] as const) if (config[optional] === undefined) delete config[optional];
  const oss = ossFrom(get);
  if (oss) config.oss = oss;
  blobStoreLocation(config); // a malformed KILN_BLOB_STORE stops the start, not the first blob operation
  return config;
}
