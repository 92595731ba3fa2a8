import { randomUUID } from 'node:crypto';
import type { ImageComponent } from '../../src/domain/component.js';
import type { ImagePipeline } from '../../src/domain/pipeline.js';
import type { Scope, Store } from '../../src/domain/ports.js';

/** What one backend run of the suite gets: a fresh database and a way to open stores on it. */
export interface Backend {
  name: 'sqlite' | 'postgres';
  /** The fresh database's URL and data dir for `createStore`. */
  url: string;
  dataDir: string;
  /** Drops the database (PG) or removes the folder (SQLite). */
  dispose(): Promise<void>;
}

export interface SuiteContext {
  readonly backend: Backend;
  /** The store opened for the run (valid inside tests). */
  readonly store: Store;
  /** Opens one more store on the same database (closed by the caller). */
  open(): Promise<Store>;
}

let counter = 0;
const run = randomUUID().slice(0, 8);

/** A unique id with a prefix, e.g. `ip-1a2b3c4d-17`. */
export function uid(prefix: string): string {
  return `${prefix}-${run}-${++counter}`;
}

/** A fresh tenant scope (numeric account id, like an AliUid), so tests never see each other's rows. */
export function newScope(regionId = 'cn-hangzhou'): Scope {
  return { accountId: String(1_000_000_000 + Math.floor(Math.random() * 8_999_999_999)) + String(++counter), regionId };
}

export function minimalPipeline(scope: Scope, over: Partial<ImagePipeline> = {}): ImagePipeline {
  return {
    id: uid('ip'),
    accountId: scope.accountId,
    regionId: scope.regionId,
    name: 'minimal',
    baseImageType: 'IMAGE',
    vSwitchId: 'vsw-default',
    instanceType: 'ecs.g6.large',
    systemDiskSize: 40,
    internetMaxBandwidthOut: 0,
    deleteInstanceOnFailure: true,
    toRegionIds: [],
    addAccounts: [],
    resourceGroupId: 'rg-default',
    repairItems: [],
    tags: [],
    creationTime: '2024-01-02T03:04:05Z',
    ...over,
  };
}

/** A template with every optional field set, nested options included, and awkward text. */
export function fullPipeline(scope: Scope, over: Partial<ImagePipeline> = {}): ImagePipeline {
  return {
    id: uid('ip'),
    accountId: scope.accountId,
    regionId: scope.regionId,
    name: 'full-template_1',
    description: 'Every field: "quotes", back\\slash, 中文, emoji 🚀, tab\there',
    baseImageType: 'OSS',
    baseImage: 'ubuntu_22_04_x64_20G_alibase_20240101.vhd',
    buildContent: 'FROM IMAGE:m-123\nRUN echo "hello" \\\n  && apt-get update\nENV A=1 B="two words"\nCOMPONENT ic-abc --p 1\n',
    testContent: 'RUN test -f /etc/os-release',
    imageName: 'legacy-name',
    imageFamily: 'legacy-family',
    nvmeSupport: 'auto',
    vSwitchId: 'vsw-bp1',
    instanceType: 'ecs.g7.xlarge',
    systemDiskSize: 120,
    internetMaxBandwidthOut: 5,
    deleteInstanceOnFailure: false,
    toRegionIds: ['cn-beijing', 'cn-qingdao'],
    addAccounts: ['1234567890123456', '2345678901234567'],
    resourceGroupId: 'rg-full',
    repairMode: 'Standard',
    repairItems: ['GUESTOS.CloudInit', 'GUESTOS.Virtio'],
    imageOptions: {
      imageName: 'golden',
      imageFamily: 'golden-family',
      description: 'image description',
      imageFeatures: { nvmeSupport: 'supported' },
      imageTags: [{ key: 'built-by', value: 'kiln' }, { key: 'empty', value: '' }],
    },
    importImageOptions: {
      architecture: 'x86_64',
      osType: 'linux',
      platform: 'Ubuntu',
      bootMode: 'UEFI',
      licenseType: 'Auto',
      diskDeviceMappings: [
        { ossBucket: 'bucket', ossObject: 'images/disk.qcow2', format: 'qcow2', diskImageSize: 20 },
        { ossBucket: 'bucket', ossObject: 'images/data.raw' },
      ],
      features: { nvmeSupport: 'supported', imdsSupport: 'v2' },
      retainImportedImage: true,
      retentionStrategy: 'KeepAll',
      roleName: 'AliyunECSImageImportDefaultRole',
      imageName: 'imported',
      description: 'imported image',
      importImageTags: [{ key: 'source', value: 'oss' }],
    },
    advancedOptions: { imageNameSuffix: '-v1', retainCloudAssistant: false },
    tags: [{ key: 'env', value: 'prod' }, { key: 'team', value: '' }, { key: 'z-last', value: 'x' }],
    creationTime: '2020-11-24T06:00:00Z',
    ...over,
  };
}

export function component(scope: Scope, over: Partial<ImageComponent> = {}): ImageComponent {
  return {
    id: uid('ic'),
    accountId: scope.accountId,
    regionId: scope.regionId,
    name: 'comp',
    systemType: 'Linux',
    componentType: 'Build',
    componentVersion: '1.0.0',
    content: 'RUN echo component',
    owner: 'SELF',
    parameters: [],
    tags: [],
    creationTime: '2024-05-06T07:08:09Z',
    ...over,
  };
}

/** Every item of every page, following nextAfterSeq. */
export async function allPages<T>(fetch: (afterSeq: number | undefined) => Promise<{ items: T[]; nextAfterSeq?: number }>): Promise<T[]> {
  const out: T[] = [];
  let after: number | undefined;
  for (let i = 0; i < 10_000; i++) {
    const page = await fetch(after);
    out.push(...page.items);
    if (page.nextAfterSeq === undefined) return out;
    after = page.nextAfterSeq;
  }
  throw new Error('paging did not end');
}

/** An error whose message or stack mentions SQL would leak driver text to callers. */
export function assertNoSql(e: unknown): void {
  const text = `${(e as Error).message}`;
  if (/\b(insert into|select |update |delete from|constraint|sqlite|violates)\b/i.test(text)) {
    throw new Error(`error message leaks driver/SQL text: ${text}`);
  }
}
