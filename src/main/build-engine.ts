import { join } from 'node:path';
import type { App } from '../app/app.js';
import { componentLookup } from '../app/component-lookup.js';
import { blobStoreOf } from './blob-store.js';
import { countedBlobStore } from './counted-blob-store.js';
import { parseContent, resolveComponents } from '../domain/buildcontent/index.js';
import { BuildExecution } from '../app/build-execution.js';
import { imageRegistryOf } from '../app/image-registry.js';
import { BuildEngine } from '../engine/engine.js';
import { storeStepCache } from '../engine/cache/step-cache-port.js';
import { RuncInstanceDriver } from '../engine/instance/runc-driver.js';
import { LayerStore } from '../engine/layers/layer-store.js';
import { GcScheduler } from '../engine/gc/gc-scheduler.js';
import { storageQuotasOf } from '../config/storage-quotas.js';
import type { Telemetry } from '../domain/telemetry.js';
import { S3AccountObjectStores } from '../oss/account-object-stores.js';

/**
 * The builds of this machine: the app's BuildExecution over the build engine (runc instances,
 * layers and blobs under the data dir),
 * reading templates, components and images through the app; OSS through the configured
 * S3-compatible endpoint, when there is one, each account on its granted buckets
 * (`defaultAccountId` keeps every bucket unless the grant table names it).
 */
export function createBuildEngine(app: App, log: (msg: string, err?: unknown) => void = () => undefined, defaultAccountId?: string, telemetry?: Telemetry): { builder: BuildExecution; engine: BuildEngine } {
  const dataDir = app.config.dataDir;
  const blobs = telemetry ? countedBlobStore(blobStoreOf(app.config), telemetry) : blobStoreOf(app.config);
  // System base images are recorded in the store: every worker host builds on the same base layer.
  const layers = new LayerStore(dataDir, blobs, {}, app.store.baseImages);
  const quotas = storageQuotasOf(app.config);
  const gc = new GcScheduler(
    { store: app.store, blobs, layers, maxCacheBytes: app.config.cacheMaxBytes, graceMs: app.config.gcGraceMs, quotas },
    app.config.gcIntervalMs,
    (err) => log('garbage collection failed', err),
    telemetry,
  );
  const registry = imageRegistryOf(app);
  const engine = new BuildEngine({
    blobs,
    stepCache: storeStepCache(app.store),
    registerBase: registry.registerImportedBase,
    layers,
    gc,
    quotas,
    taskOutputMaxBytes: app.config.taskOutputMaxBytes,
    ...(telemetry ? { telemetry } : {}),
    driver: new RuncInstanceDriver({ dataDir, networkAllow: app.config.networkAllow, idBase: app.config.instanceIdBase, idSlots: app.config.instanceIdRanges }),
    ...(app.config.oss ? { oss: { stores: new S3AccountObjectStores(app.config.oss, defaultAccountId), scratchDir: join(dataDir, 'tmp', 'oss'), maxObjectBytes: app.config.oss.maxObjectBytes } } : {}),
    async resolveContent(pipeline, kind) {
      const text = kind === 'build' ? pipeline.buildContent : pipeline.testContent;
      if (text === undefined) return undefined;
      const scope = { accountId: pipeline.accountId, regionId: pipeline.regionId };
      return resolveComponents(parseContent(text, kind), kind, componentLookup(app, app.store, scope), scope);
    },
    async findBaseImage(pipeline) {
      if (pipeline.baseImage === undefined) return undefined;
      const scope = { accountId: pipeline.accountId, regionId: pipeline.regionId };
      const images = app.imagesIn(app.store);
      return pipeline.baseImageType === 'IMAGE_FAMILY' ? images.latestInFamily(scope, pipeline.baseImage) : images.find(scope, pipeline.baseImage);
    },
  });
  return { builder: new BuildExecution(engine, registry), engine };
}
