import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import type { BuildArtifact, ImportedBase } from '../../src/domain/build-artifact.js';
import type { BuildContext } from '../../src/domain/builder.js';
import { parseContent, resolveComponents } from '../../src/domain/buildcontent/index.js';
import { SYSTEM_IMAGES } from '../../src/domain/catalog/system-images.js';
import type { Execution, ExecutionStatus } from '../../src/domain/execution.js';
import type { Image } from '../../src/domain/image.js';
import type { ImagePipeline } from '../../src/domain/pipeline.js';
import type { StepCacheEntry } from '../../src/domain/step-cache.js';
import type { StepCachePort } from '../../src/engine/cache/step-cache-port.js';
import { BuildEngine, type EngineDeps } from '../../src/engine/engine.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { FakeInstanceDriver } from './fake-instance-driver.js';

const REGION = 'cn-hangzhou';
const ACCOUNT = '1000000000000001';

/** The step cache's entries in memory (the port the engine is given; pins are not kept). */
class MemoryStepCache implements StepCachePort {
  readonly entries = new Map<string, StepCacheEntry>();
  async get(_scope: unknown, key: string): Promise<StepCacheEntry | undefined> {
    return this.entries.get(key);
  }
  async write(w: Parameters<StepCachePort['write']>[0]): Promise<void> {
    for (const e of w.entries) this.entries.set(e.key, e);
  }
}

/** What one build did: its artifact, the stages it announced, its log. */
export interface BuildRun {
  artifact: BuildArtifact;
  stages: string[];
  log: string;
}

export interface BuildOptions {
  /** Called with each stage as it is announced. */
  onStage?(stage: string): void;
  /** The build's cancel (a fresh one when absent). */
  abort?: AbortController;
  executionId?: string;
}

let executions = 0;

/**
 * A build engine on the fake instance driver, with real blob and layer stores in a temp dir (the
 * busybox base is made there) and the step cache in memory. Templates are busybox ones; `build`
 * runs one through `BuildEngine.run` as the worker would (a stage announced after a cancel throws).
 */
export class LifecycleHarness {
  readonly driver: FakeInstanceDriver;
  readonly blobs: LocalBlobStore;
  readonly layers: LayerStore;
  readonly stepCache = new MemoryStepCache();
  /** Called before the base image is looked up (e.g. to cancel during PREPARING). */
  beforeBase: () => void = () => undefined;
  readonly imported: ImportedBase[] = [];
  engine: BuildEngine;

  private constructor(readonly dir: string, deps: Partial<EngineDeps>) {
    this.driver = new FakeInstanceDriver(join(dir, 'instances'));
    this.blobs = new LocalBlobStore(join(dir, 'blobs'));
    this.layers = new LayerStore(dir, this.blobs);
    this.engine = new BuildEngine({
      blobs: this.blobs,
      layers: this.layers,
      driver: this.driver,
      stepCache: this.stepCache,
      resolveContent: async (pipeline, kind) => {
        const text = kind === 'build' ? pipeline.buildContent : pipeline.testContent;
        if (text === undefined) return undefined;
        const none = { byId: async () => undefined, versionsByName: async () => [] };
        return resolveComponents(parseContent(text, kind), kind, none, { accountId: pipeline.accountId, regionId: pipeline.regionId });
      },
      findBaseImage: async (pipeline) => {
        this.beforeBase();
        const system = SYSTEM_IMAGES.find((i) => i.imageId === pipeline.baseImage);
        return system ? ({ ...system, regionId: REGION } as Image) : undefined;
      },
      registerBase: async (imported) => {
        this.imported.push(imported);
        throw new Error('no OSS import in these tests');
      },
      ...deps,
    });
  }

  static async create(deps: Partial<EngineDeps> = {}): Promise<LifecycleHarness> {
    return new LifecycleHarness(await mkdtemp(join(tmpdir(), 'kiln-lifecycle-')), deps);
  }

  async build(fields: Partial<ImagePipeline>, options: BuildOptions = {}): Promise<BuildRun> {
    const abort = options.abort ?? new AbortController();
    const execution = this.execution(options.executionId ?? `exec-lifecycle${++executions}`);
    const stages: string[] = [];
    let log = '';
    const ctx: BuildContext = {
      execution,
      pipeline: pipeline(fields),
      signal: abort.signal,
      log: (stream, text) => {
        log += `[${stream}] ${text}`;
      },
      progress: async () => undefined,
      stage: async (stage: ExecutionStatus, _message: string) => {
        // As the worker: a cancelled execution's next stage is refused and stops the build.
        if (abort.signal.aborted && stages.at(-1) !== stage) throw new Error('the build was stopped');
        stages.push(stage);
        options.onStage?.(stage);
      },
    };
    const artifact = await this.engine.run(ctx);
    return { artifact, stages, log };
  }

  async close(): Promise<void> {
    await this.driver.reap('');
    await rm(this.dir, { recursive: true, force: true });
  }

  private execution(id: string): Execution {
    return {
      id, pipelineId: 'ip-lifecycle', accountId: ACCOUNT, regionId: REGION, status: 'PREPARING', message: '',
      resourceGroupId: 'rg-default', tags: [], creationTime: '2026-12-01T00:00:00Z', modifiedTime: '2026-12-01T00:00:00Z',
    };
  }
}

/** A busybox template: no network, small instance, the instance deleted on failure. */
export function pipeline(fields: Partial<ImagePipeline>): ImagePipeline {
  return {
    id: 'ip-lifecycle', accountId: ACCOUNT, regionId: REGION, name: 'lifecycle',
    baseImageType: 'IMAGE', baseImage: 'busybox_x64_20G_kiln_base.vhd',
    vSwitchId: 'vsw-default', instanceType: 'ecs.g6.large', systemDiskSize: 20, internetMaxBandwidthOut: 0,
    deleteInstanceOnFailure: true, toRegionIds: [], addAccounts: [], resourceGroupId: 'rg-default', repairItems: [],
    tags: [], creationTime: '2026-12-01T00:00:00Z',
    ...fields,
  };
}
