import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig, type KilnConfig } from '../../src/config/config.js';
import { SETTINGS } from '../../src/config/schema.js';

/*
 * Each source of a setting: its environment variable, its key in the KILN_CONFIG file, its
 * default; the environment wins over the file, an empty variable counts as unset.
 */

/** For every setting: a valid value that is not its default, as the environment writes it and as the file does, and what `loadConfig` makes of it. */
const SAMPLES: Record<string, { env: string; file: unknown; expect: (c: KilnConfig) => unknown; want: unknown }> = {
  KILN_HOST: { env: '0.0.0.0', file: '0.0.0.0', expect: (c) => c.host, want: '0.0.0.0' },
  KILN_PORT: { env: '9090', file: 9090, expect: (c) => c.port, want: 9090 },
  KILN_DATA_DIR: { env: '/var/lib/kiln', file: '/var/lib/kiln', expect: (c) => c.dataDir, want: '/var/lib/kiln' },
  KILN_DATABASE_URL: { env: 'postgres://k@db/kiln', file: 'postgres://k@db/kiln', expect: (c) => c.databaseUrl, want: 'postgres://k@db/kiln' },
  KILN_ACCESS_KEY_ID: { env: 'LTAIsample', file: 'LTAIsample', expect: (c) => c.accessKeyId, want: 'LTAIsample' },
  KILN_ACCESS_KEY_SECRET: { env: 'sample-secret', file: 'sample-secret', expect: (c) => c.accessKeySecret, want: 'sample-secret' },
  KILN_REGIONS: { env: 'cn-hangzhou, xx-lab-1', file: ['cn-hangzhou', 'xx-lab-1'], expect: (c) => c.regions.map((r) => [r.regionId, r.englishName ?? r.localName]), want: [['cn-hangzhou', 'China (Hangzhou)'], ['xx-lab-1', 'xx-lab-1']] },
  KILN_TLS_CERT_FILE: { env: '/etc/kiln/tls.crt', file: '/etc/kiln/tls.crt', expect: (c) => c.tlsCertFile, want: '/etc/kiln/tls.crt' },
  KILN_TLS_KEY_FILE: { env: '/etc/kiln/tls.key', file: '/etc/kiln/tls.key', expect: (c) => c.tlsKeyFile, want: '/etc/kiln/tls.key' },
  KILN_TRUST_PROXY: { env: '10.0.0.5, 192.168.0.0/24', file: ['10.0.0.5', '192.168.0.0/24'], expect: (c) => c.trustProxy, want: ['10.0.0.5', '192.168.0.0/24'] },
  KILN_PIPELINE_QUOTA: { env: '7', file: 7, expect: (c) => c.pipelineQuota, want: 7 },
  KILN_COMPONENT_QUOTA: { env: '8', file: 8, expect: (c) => c.componentQuota, want: 8 },
  KILN_HOST_ID: { env: 'kiln.example', file: 'kiln.example', expect: (c) => c.hostId, want: 'kiln.example' },
  KILN_LOG_LEVEL: { env: 'debug', file: 'debug', expect: (c) => c.logLevel, want: 'debug' },
  KILN_LOG_FORMAT: { env: 'pretty', file: 'pretty', expect: (c) => c.logFormat, want: 'pretty' },
  KILN_METRICS: { env: 'false', file: false, expect: (c) => c.metrics, want: false },
  KILN_API_PROCESSES: { env: '3', file: 3, expect: (c) => c.apiProcesses, want: 3 },
  KILN_WORKERS: { env: '0', file: 0, expect: (c) => c.workers, want: 0 },
  KILN_WORKER_LISTEN: { env: '0.0.0.0:9464', file: '0.0.0.0:9464', expect: (c) => c.workerListen, want: '0.0.0.0:9464' },
  KILN_LEASE_MS: { env: '5000', file: 5000, expect: (c) => c.leaseMs, want: 5000 },
  KILN_IMAGE_ALIASES: { env: '[{"pattern":"x_*","image":"img-1"}]', file: [{ pattern: 'x_*', image: 'img-1' }], expect: (c) => c.imageAliases, want: [{ pattern: 'x_*', image: 'img-1' }] },
  KILN_OSS_ENDPOINT: { env: 'http://s3.lab:9000/', file: 'http://s3.lab:9000/', expect: (c) => c.oss?.endpoint, want: 'http://s3.lab:9000' },
  KILN_OSS_ACCESS_KEY_ID: { env: 'ok', file: 'ok', expect: (c) => c.oss?.accessKeyId, want: 'ok' },
  KILN_OSS_ACCESS_KEY_SECRET: { env: 'os', file: 'os', expect: (c) => c.oss?.accessKeySecret, want: 'os' },
  KILN_OSS_REGION: { env: 'oss-cn-hangzhou', file: 'oss-cn-hangzhou', expect: (c) => c.oss?.region, want: 'oss-cn-hangzhou' },
  KILN_OSS_PATH_STYLE: { env: 'false', file: false, expect: (c) => c.oss?.pathStyle, want: false },
  KILN_OSS_ACCOUNTS: { env: '{"1001":{"buckets":["b-*"]}}', file: { 1001: { buckets: ['b-*'] } }, expect: (c) => JSON.parse(JSON.stringify(c.oss?.accounts)), want: { 1001: { buckets: ['b-*'], roles: {} } } },
  KILN_OSS_MAX_OBJECT_BYTES: { env: '1024', file: 1024, expect: (c) => c.oss?.maxObjectBytes, want: 1024 },
  KILN_CACHE_MAX_BYTES: { env: '0', file: 0, expect: (c) => c.cacheMaxBytes, want: 0 },
  KILN_GC_GRACE_MS: { env: '1000', file: 1000, expect: (c) => c.gcGraceMs, want: 1000 },
  KILN_GC_INTERVAL_MS: { env: '0', file: 0, expect: (c) => c.gcIntervalMs, want: 0 },
  KILN_BLOB_STORE: { env: 's3://kiln-blobs/team', file: 's3://kiln-blobs/team', expect: (c) => c.blobStore, want: 's3://kiln-blobs/team' },
  KILN_S3_ENDPOINT: { env: 'http://s3.lab:9000', file: 'http://s3.lab:9000', expect: (c) => c.s3Endpoint, want: 'http://s3.lab:9000' },
  KILN_S3_REGION: { env: 'eu-west-1', file: 'eu-west-1', expect: (c) => c.s3Region, want: 'eu-west-1' },
  KILN_S3_ACCESS_KEY_ID: { env: 'AKIDsample', file: 'AKIDsample', expect: (c) => c.s3AccessKeyId, want: 'AKIDsample' },
  KILN_S3_SECRET_ACCESS_KEY: { env: 's3-secret', file: 's3-secret', expect: (c) => c.s3SecretAccessKey, want: 's3-secret' },
  KILN_S3_FORCE_PATH_STYLE: { env: 'false', file: false, expect: (c) => c.s3ForcePathStyle, want: false },
  KILN_BLOB_CACHE_MAX_BYTES: { env: '0', file: 0, expect: (c) => c.blobCacheMaxBytes, want: 0 },
  KILN_ACCOUNT_IMAGE_BYTES_QUOTA: { env: '0', file: 0, expect: (c) => c.accountImageBytesQuota, want: 0 },
  KILN_ACCOUNT_CACHE_BYTES_QUOTA: { env: '4096', file: 4096, expect: (c) => c.accountCacheBytesQuota, want: 4096 },
  KILN_ACCOUNT_STORAGE_QUOTAS: { env: '{"1001":{"imageBytes":0}}', file: { 1001: { imageBytes: 0 } }, expect: (c) => c.accountStorageQuotas, want: { 1001: { imageBytes: 0 } } },
  KILN_ACCOUNT_MAX_RUNNING: { env: '0', file: 0, expect: (c) => c.accountMaxRunning, want: 0 },
  KILN_BUILD_TIMEOUT_MS: { env: '0', file: 0, expect: (c) => c.buildTimeoutMs, want: 0 },
  KILN_HOST_DISK_ADMISSION: { env: 'no', file: false, expect: (c) => c.hostDiskAdmission, want: false },
  KILN_HOST_DISK_HOLD_AFTER: { env: '0', file: 0, expect: (c) => c.hostDiskHoldAfter, want: 0 },
  KILN_HOST_DISK_RESERVE_BYTES: { env: '0', file: 0, expect: (c) => c.hostDiskReserveBytes, want: 0 },
  KILN_LOG_MAX_BYTES: { env: '0', file: 0, expect: (c) => c.logMaxBytes, want: 0 },
  KILN_LOG_STREAMS_PER_ACCOUNT: { env: '0', file: 0, expect: (c) => c.logStreamsPerAccount, want: 0 },
  KILN_LOG_STREAM_IDLE_MS: { env: '0', file: 0, expect: (c) => c.logStreamIdleMs, want: 0 },
  KILN_CONSOLE_IDLE_TIMEOUT_SECONDS: { env: '60', file: 60, expect: (c) => c.consoleIdleTimeoutSeconds, want: 60 },
  KILN_CONSOLE_SESSION_MAX_SECONDS: { env: '3600', file: 3600, expect: (c) => c.consoleSessionMaxSeconds, want: 3600 },
  KILN_TASK_OUTPUT_MAX_BYTES: { env: '1048576', file: 1048576, expect: (c) => c.taskOutputMaxBytes, want: 1048576 },
  KILN_NETWORK_ALLOW: { env: '10.1.0.0/16 192.168.5.0/24', file: ['10.1.0.0/16', '192.168.5.0/24'], expect: (c) => c.networkAllow, want: ['10.1.0.0/16', '192.168.5.0/24'] },
  KILN_INSTANCE_ID_BASE: { env: '1000000000', file: 1000000000, expect: (c) => c.instanceIdBase, want: 1000000000 },
  KILN_INSTANCE_ID_RANGES: { env: '16', file: 16, expect: (c) => c.instanceIdRanges, want: 16 },
};

/** An object store needs its key: the OSS samples come with the rest of it. */
const OSS_ENV = { KILN_OSS_ENDPOINT: 'http://s3:9000', KILN_OSS_ACCESS_KEY_ID: 'k', KILN_OSS_ACCESS_KEY_SECRET: 's' };
const OSS_FILE = { endpoint: 'http://s3:9000', accessKeyId: 'k', accessKeySecret: 's' };

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-config-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function configFile(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

test('the samples cover every setting of the schema', () => {
  assert.deepEqual(Object.keys(SAMPLES).sort(), SETTINGS.map((s) => s.env).sort());
});

describe('each setting from each source', () => {
  for (const spec of SETTINGS) {
    const sample = SAMPLES[spec.env]!;
    const isOss = spec.path[0] === 'oss';
    test(`${spec.env}: from the environment`, () => {
      assert.deepEqual(sample.expect(loadConfig({ ...(isOss ? OSS_ENV : {}), [spec.env]: sample.env })), sample.want);
    });
    test(`${spec.path.join('.')}: from the KILN_CONFIG file`, () => {
      const content = isOss ? { oss: { ...OSS_FILE, [spec.path[1]!]: sample.file } } : { [spec.path[0]!]: sample.file };
      assert.deepEqual(sample.expect(loadConfig({ KILN_CONFIG: configFile(`${spec.env}.json`, content) })), sample.want);
    });
    test(`${spec.env}: the default differs from the sample`, () => {
      assert.notDeepEqual(sample.expect(loadConfig(isOss ? OSS_ENV : {})), sample.want);
    });
  }
});

describe('precedence', () => {
  test('a variable wins over the file; the file over the default; other file keys still apply', () => {
    const file = configFile('both.json', { port: 9001, workers: 3, hostId: 'from-file' });
    const c = loadConfig({ KILN_CONFIG: file, KILN_PORT: '9002' });
    assert.equal(c.port, 9002);
    assert.equal(c.workers, 3);
    assert.equal(c.hostId, 'from-file');
    assert.equal(c.leaseMs, 30_000);
  });

  test('an empty variable counts as unset (the file or the default applies)', () => {
    const file = configFile('empty-env.json', { databaseUrl: 'postgres://k@db/kiln', port: 9001 });
    const c = loadConfig({ KILN_CONFIG: file, KILN_DATABASE_URL: '', KILN_PORT: '' });
    assert.equal(c.databaseUrl, 'postgres://k@db/kiln');
    assert.equal(c.port, 9001);
    assert.equal(loadConfig({ KILN_CONFIG: '' }).port, 8080);
  });

  test('the object store mixes sources per field: the endpoint from the file, the key from the environment', () => {
    const file = configFile('oss-mixed.json', { oss: { endpoint: 'http://s3:9000', region: 'from-file' } });
    const c = loadConfig({ KILN_CONFIG: file, KILN_OSS_ACCESS_KEY_ID: 'k', KILN_OSS_ACCESS_KEY_SECRET: 's', KILN_OSS_REGION: 'from-env' });
    assert.equal(c.oss?.endpoint, 'http://s3:9000');
    assert.equal(c.oss?.accessKeyId, 'k');
    assert.equal(c.oss?.region, 'from-env');
  });

  test('a relative KILN_CONFIG path is read from the working directory; regions may be objects in the file', () => {
    const file = configFile('relative.json', { regions: [{ regionId: 'xx-lab-1', localName: 'Lab' }] });
    const c = loadConfig({ KILN_CONFIG: relative(process.cwd(), file) });
    assert.deepEqual(c.regions, [{ regionId: 'xx-lab-1', localName: 'Lab' }]);
  });
});
