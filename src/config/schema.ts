import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { DEFAULT_REGIONS } from '../domain/catalog/regions.js';
import { DEFAULT_TASK_OUTPUT_MAX_BYTES } from '../engine/build/task-output.js';
import { DEFAULT_GC_GRACE_MS } from '../engine/gc/collect-garbage.js';
import { DEFAULT_ID_BASE, DEFAULT_ID_SLOTS } from '../engine/instance/id-slots.js';
import { DEFAULT_LEASE_MS } from '../worker/worker.js';
import { OssSettingsSchema } from './oss-schema.js';

/*
 * Every setting Kiln reads, once: its type, range, default and meaning. Each key is also an
 * environment variable (`KILN_` + the key in upper snake case: `leaseMs` is `KILN_LEASE_MS`,
 * `oss.endpoint` is `KILN_OSS_ENDPOINT`) and a key of the `KILN_CONFIG` JSON file. The loader
 * (`config.ts`), the validation (`validate.ts`), the README's Configuration table and
 * `kiln --help` (`doc.ts`) all read this schema.
 *
 * Besides JSON Schema, a setting may say:
 * - `expected`: what a valid value is, in words, for errors (derived from the type otherwise);
 * - `docDefault`: the default as the README shows it (the `default` value otherwise);
 * - `envFormat: 'list'`: the environment variable is a comma-separated list (other lists and
 *   objects are JSON in the environment too).
 *
 * Where a unit has a fallback of its own for a setting (the worker's lease, the engine's id
 * ranges, …), the schema's default is that constant, so each value is written once.
 *
 * Integer settings say per setting whether 0 is allowed and what it means: `minimum: 1` where
 * 0 has no sense, `minimum: 0` with the meaning of 0 in the description otherwise.
 */

/** `pattern` (a glob with `*`) names `image` (a system image or an image the caller can see). */
export const ImageAliasSchema = Type.Object(
  { pattern: Type.String({ minLength: 1 }), image: Type.String({ minLength: 1 }) },
  { additionalProperties: false },
);
export type ImageAlias = Static<typeof ImageAliasSchema>;

/** Public Alibaba Cloud Linux image ids run on the Debian minbase system image. */
export const DEFAULT_IMAGE_ALIASES: readonly ImageAlias[] = [
  'ubuntu_*', 'debian_*', 'aliyun_*', 'alinux_*', 'centos_*', 'anolisos_*', 'rockylinux_*', 'almalinux_*', 'opensuse_*', 'fedora_*',
].map((pattern) => ({ pattern, image: 'debian_minbase_x64_20G_kiln_base.vhd' }));

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

const int = (minimum: number, def: number, description: string, extra: Record<string, unknown> = {}) =>
  Type.Integer({ minimum, maximum: Number.MAX_SAFE_INTEGER, default: def, description, ...extra });

const StorageQuotaOverrideSchema = Type.Object(
  { imageBytes: Type.Optional(Type.Integer({ minimum: 0 })), cacheBytes: Type.Optional(Type.Integer({ minimum: 0 })) },
  { additionalProperties: false },
);

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The settings with their defaults: what `loadConfig` starts from before the file and the environment. */
export const SettingsSchema = Type.Object({
  host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'address to listen on' }),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'port (`0`: any free port; the banner says which)' }),
  dataDir: Type.String({
    minLength: 1, default: './data',
    description: 'SQLite file, blobs, layers, instances, generated default credentials; made owner-only (0700) at every start (see [Build isolation](#build-isolation))',
  }),
  tlsCertFile: Type.Optional(Type.String({ minLength: 1, docDefault: '— (plain HTTP)', description: 'PEM certificate (chain) file: with `KILN_TLS_KEY_FILE`, `kiln serve` answers HTTPS on its port (the banner says `https://`; the console\'s session cookie is then `Secure`); set both or neither' })),
  tlsKeyFile: Type.Optional(Type.String({ minLength: 1, docDefault: '— (plain HTTP)', description: 'PEM private key file of `KILN_TLS_CERT_FILE`' })),
  trustProxy: Type.Array(Type.String({ minLength: 1 }), {
    default: [], envFormat: 'list', docDefault: '— (none)',
    expected: 'a list of addresses or CIDR blocks (comma-separated in the environment)',
    description: 'addresses or CIDR blocks (`10.0.0.5,192.168.0.0/24`) of reverse proxies whose `X-Forwarded-For`, `X-Forwarded-Proto` and `X-Forwarded-Host` are believed: the client address (console sign-in throttling, logs) and whether the request came over TLS (the console cookie\'s `Secure`, the console\'s own origin) are then read from them. Set it only to your proxies\' addresses',
  }),
  databaseUrl: Type.Optional(Type.String({ minLength: 1, docDefault: '(SQLite in the data dir)', description: '`postgres://user@host:port/db` to use PostgreSQL' })),
  accessKeyId: Type.Optional(Type.String({ minLength: 1, docDefault: 'generated, saved in `<data>/default-credentials.json`', description: "the default account's AccessKey id" })),
  accessKeySecret: Type.Optional(Type.String({ minLength: 1, docDefault: 'generated, saved in `<data>/default-credentials.json`', description: "the default account's AccessKey secret" })),
  regions: Type.Array(Type.Union([Type.String({ minLength: 1 }), Type.Object({ regionId: Type.String({ minLength: 1 }), localName: Type.String({ minLength: 1 }), englishName: Type.Optional(Type.String({ minLength: 1 })) }, { additionalProperties: false })]), {
    minItems: 1, envFormat: 'list',
    default: DEFAULT_REGIONS.map((r) => r.regionId),
    docDefault: `${DEFAULT_REGIONS.length} Alibaba Cloud regions`,
    expected: 'a non-empty list of region ids (comma-separated in the environment; in the file also {"regionId", "localName", "englishName"?} objects)',
    description: 'region ids (comma-separated)',
  }),
  pipelineQuota: int(1, 100, 'templates per account and region (`QuotaExceed.ImagePipeline`)'),
  componentQuota: int(1, 200, 'components per account and region (`QuotaExceed.ImageComponent`)'),
  hostId: Type.String({ minLength: 1, default: 'ecs.aliyuncs.com', description: 'the `HostId` of error bodies' }),
  logLevel: Type.Union(LOG_LEVELS.map((l) => Type.Literal(l)), { default: 'warn', description: "the log level (pino): `fatal`, `error`, `warn`, `info` (adds one line per API request: request id, account, action, code, HTTP status, duration), `debug`, `trace` or `silent`" }),
  logFormat: Type.Union([Type.Literal('json'), Type.Literal('pretty')], { default: 'json', description: 'log lines as JSON objects, one a line (`json`, for a log collector) or as short text lines for a terminal (`pretty`); secrets (signatures, AccessKey secrets, passwords, Authorization headers) are redacted in both' }),
  metrics: Type.Boolean({ default: true, description: '`GET /metrics` in the Prometheus text format on the API port, unauthenticated (requests by action and code, latencies, executions, queue, steps and step cache, blob store, GC, worker leases, process): operational counts only, no account or resource id in any label; `false` removes the route (keep the port off the internet, or put the route behind the load balancer\'s rules)' }),
  apiProcesses: int(0, 0, 'API processes of `kiln serve` (also `--api-processes N`), sharing its port; with more than one, a primary process runs the migrations, the build and task workers and garbage collection, and restarts an API process that dies (`0`: one per core; `1`: everything in one process)', { docDefault: '`0` (one per core)' }),
  workers: int(0, 1, 'build workers in the `serve` process, and as many task workers (ExportImage, ImportImage) (`0`: API only; `kiln worker` always runs at least one of each)'),
  workerListen: Type.Optional(Type.String({
    pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):(0|[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$',
    expected: 'host:port (`0.0.0.0:9464`, `[::]:9464`; port 0: any free port)',
    docDefault: '— (no port)',
    description: '`host:port` on which `kiln worker` serves `GET /metrics` (its own counts and the queue gauges, under the names `kiln serve` uses, so a dashboard sums hosts; none with `KILN_METRICS=false`), `GET /healthz` and `GET /readyz` (store reachable, migrations applied, not stopping); nothing else, no API. Unset: the worker opens no port. `kiln serve` ignores it',
  })),
  leaseMs: int(1, DEFAULT_LEASE_MS, "how long a worker's claim lasts without renewal (a killed worker's build is taken back after it)"),
  imageAliases: Type.Array(ImageAliasSchema, {
    default: DEFAULT_IMAGE_ALIASES,
    docDefault: `${DEFAULT_IMAGE_ALIASES.map((a) => `\`${a.pattern}\``).join(', ')} → \`${DEFAULT_IMAGE_ALIASES[0]!.image}\``,
    expected: 'a JSON list of {"pattern": "…", "image": "…"}',
    description: 'JSON list of `{"pattern": "ubuntu_22_04_x64_20G_alibase_*.vhd", "image": "<ImageId>"}` (`*` matches anything): an image id no image has runs on the first matching alias\'s image (a system image or one the caller can see), so templates naming public Alibaba Cloud images work unchanged; the template keeps the id it named. Setting it replaces the defaults (`[]`: none)',
  }),
  oss: Type.Optional(OssSettingsSchema),
  cacheMaxBytes: int(0, 10 * GiB, "the step cache's size bound (distinct layer bytes its entries name, plus the task output they store); least recently used entries are evicted past it (`0`: keep no entry)"),
  gcGraceMs: int(0, DEFAULT_GC_GRACE_MS, 'garbage collection never removes what was written or used more recently than this (`0`: no grace)'),
  gcIntervalMs: int(0, 5 * 60_000, 'a worker collects garbage after a build when the last collection is older than this (`0`: after every build)'),
  blobStore: Type.Optional(Type.String({
    pattern: '^(file:///|s3://[a-z0-9])',
    expected: 'file:///absolute/path or s3://bucket/prefix',
    docDefault: '`<dataDir>/blobs`',
    description: 'where blobs (layers, image manifests) are kept: `file:///abs/path` (a folder of this machine), or `s3://bucket/prefix` on an S3-compatible store (`KILN_S3_*`) that every host of a deployment shares, read through a local cache (`KILN_BLOB_CACHE_MAX_BYTES`)',
  })),
  s3Endpoint: Type.Optional(Type.String({ pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^/]', expected: 'an http(s) URL', docDefault: '— (AWS S3)', description: '`http(s)://host:port` of the S3-compatible server of an `s3://` blob store' })),
  s3Region: Type.Optional(Type.String({ minLength: 1, docDefault: '`AWS_REGION`, else `us-east-1` with an endpoint', description: "the blob store's SigV4 signing region" })),
  s3AccessKeyId: Type.Optional(Type.String({ minLength: 1, docDefault: "— (the AWS SDK's chain: `AWS_ACCESS_KEY_ID`, `~/.aws`, an instance role…)", description: 'the key id Kiln signs its blob store requests with' })),
  s3SecretAccessKey: Type.Optional(Type.String({ minLength: 1, docDefault: "— (the AWS SDK's chain)", description: 'the secret of that key (used only with `KILN_S3_ACCESS_KEY_ID`)' })),
  s3ForcePathStyle: Type.Optional(Type.Boolean({ docDefault: '`true` with an endpoint, else `false`', description: '`http://host/bucket/key` (`true`) or `http://bucket.host/key` (`false`) for the blob store' })),
  blobCacheMaxBytes: int(0, 20 * GiB, "per host, the bound on the local read-through cache of an `s3://` blob store (`<dataDir>/blob-cache`); least recently used blobs are removed past it, never the one being read (`0`: keep only that one)"),
  accountImageBytesQuota: int(0, 20 * GiB, 'per account, all regions: distinct layer bytes of the images it owns; an image past it is not registered (`QuotaExceed.ImageStorage`; `0`: no limit)'),
  accountCacheBytesQuota: int(0, 5 * GiB, 'per account, all regions: distinct blob bytes its step-cache entries name, plus the task output they store; its least recently used entries are evicted past it (`0`: no limit)'),
  accountStorageQuotas: Type.Record(Type.String({ minLength: 1 }), StorageQuotaOverrideSchema, {
    default: {},
    expected: 'a JSON object of {"<AccountId>": {"imageBytes": n, "cacheBytes": n}} with non-negative integers',
    description: 'JSON: accounts with their own quotas, `{"<AccountId>": {"imageBytes": n, "cacheBytes": n}}` (an absent field keeps the default; `0`: no limit)',
  }),
  accountMaxRunning: int(0, 2, "builds of one account running at once, over every worker on the database; its other builds wait while other accounts' builds go on (`0`: no limit). With the default single worker it changes nothing; with more, one account never takes more than two of them"),
  buildTimeoutMs: int(0, 6 * 3_600_000, 'a build running longer than this since a worker took it is stopped and ends `FAILED` with `BuildTimeout` (`0`: no limit)', { docDefault: '`21600000` (6 h)' }),
  hostDiskAdmission: Type.Boolean({
    default: true,
    description: "host disk admission: the SystemDiskSizes of a host's running builds never add up to more than its data dir's free space minus the reserve; a build that fits later waits, one bigger than the filesystem minus the reserve ends `FAILED` with `InsufficientHostDisk` (`false`: grant every SystemDiskSize, sparse)",
  }),
  hostDiskHoldAfter: int(0, 3, 'claims on a host that may go to other builds while a build waits there for disk; after that it holds its room: the host admits nothing that would take the space it needs until it runs (`0`: never hold; smaller builds that fit always go first)'),
  hostDiskReserveBytes: int(0, 5 * GiB, "free space of the data dir's filesystem never promised to build disks: room for the database, blobs, layers and the step cache (`0`: no reserve)"),
  logMaxBytes: int(0, 16 * MiB, "build output stored per execution (every stream, Kiln's own lines included); output past it is not kept and one line says so (`kiln: log truncated: output past 16 MiB of this execution is not kept`); the build goes on, and `{{ task.stdout }}` is not affected (`0`: no cap)"),
  logStreamsPerAccount: int(0, 16, 'log streams (`/kiln/v1/executions/<id>/logs`, `kiln logs`) one account may have open at once on an API process; one more is refused with `Throttling.User` (`0`: no limit)'),
  logStreamIdleMs: int(0, 60_000, 'a log stream whose reader takes nothing for this long (no write to it completes) is closed; `kiln logs` resumes after the last chunk it got (`0`: never)'),
  consoleIdleTimeoutSeconds: int(1, 1800, 'a web console session unused for this long ends (sign in again; at most a year)', { maximum: 31_536_000 }),
  consoleSessionMaxSeconds: int(1, 43_200, 'a web console session ends this long after its sign-in, however much it is used (at most a year)', { maximum: 31_536_000 }),
  taskOutputMaxBytes: Type.Integer({
    minimum: 1, maximum: MiB, default: DEFAULT_TASK_OUTPUT_MAX_BYTES,
    description: 'the most a YAML task may print on stdout for `{{ task.stdout }}` (1 … 1048576, as Cloud Assistant keeps 24 KiB of a command\'s output); only that much is held and stored in the step cache; a task that refers to the output of one that printed more fails with `TaskOutputTooLarge`',
  }),
  networkAllow: Type.Array(Type.String({ minLength: 1 }), {
    default: [], envFormat: 'list', docDefault: '— (none)',
    expected: 'a list of CIDR blocks (comma-separated in the environment)',
    description: 'comma-separated CIDR blocks (`10.20.0.0/16,192.168.5.0/24`) of private ranges that builds with `InternetMaxBandwidthOut` > 0 may reach, e.g. a package mirror on the LAN; never opens the host\'s own addresses (see [Build network](#build-network))',
  }),
  instanceIdBase: Type.Integer({
    minimum: 1, maximum: 2 ** 32 - 2, default: DEFAULT_ID_BASE, docDefault: '`2147483648` (2^31)',
    description: "first host uid/gid of the build instances' user namespaces: instance slot n maps container ids 0–65535 to host ids base + n·65536 + 0…65535 (see [Build isolation](#build-isolation)); the whole span must not overlap the host's users, groups, /etc/subuid or /etc/subgid (checked, with a clear error, when the first instance is created)",
  }),
  instanceIdRanges: Type.Integer({
    minimum: 1, maximum: 65535, default: DEFAULT_ID_SLOTS,
    description: 'how many 65536-id slots there are, that is how many instances may exist at once on the machine (every Kiln process on it shares them); base + ranges·65536 must stay below 2^32 − 1',
  }),
});

/** The settings as written (every key optional), before defaults and resolution. */
export type Settings = Static<typeof SettingsSchema>;

/** The `KILN_CONFIG` file: the same keys, each optional, nothing else. */
export const FileSchema = Type.Object(
  { ...Type.Partial(Type.Omit(SettingsSchema, ['oss'])).properties, oss: Type.Optional(Type.Partial(OssSettingsSchema, { additionalProperties: false })) },
  { additionalProperties: false },
);

/** One setting: its path in the file (`oss.endpoint`), its environment variable and its schema. */
export interface SettingSpec {
  path: readonly string[];
  env: string;
  schema: TSchema & { default?: unknown; description?: string; docDefault?: string; expected?: string; envFormat?: 'list' };
}

/** `leaseMs` → `LEASE_MS`. */
function upperSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}

/** Every setting in schema order, nested objects (`oss`) flattened. */
export const SETTINGS: readonly SettingSpec[] = Object.entries(SettingsSchema.properties).flatMap(([key, schema]): SettingSpec[] =>
  key === 'oss'
    ? Object.entries(OssSettingsSchema.properties).map(([k, s]) => ({ path: ['oss', k], env: `KILN_OSS_${upperSnake(k)}`, schema: s as SettingSpec['schema'] }))
    : [{ path: [key], env: `KILN_${upperSnake(key)}`, schema: schema as SettingSpec['schema'] }],
);
