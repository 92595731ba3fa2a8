import type { KilnConfig } from '../config/config.js';
import type { Region } from '../domain/catalog/regions.js';
import { fault } from '../domain/errors.js';
import type { ImageLayerReader } from '../domain/image-layers.js';
import type { ImageCatalog, Repositories, Scope, Store } from '../domain/ports.js';
import { DefaultIds } from './default-ids.js';
import { AccountImageCatalog } from './image-catalog.js';
import { SystemComponents } from './system-components.js';

/** What every use case needs: the store, the catalogs and the configuration. */
export interface App {
  store: Store;
  config: KilnConfig;
  regions: readonly Region[];
  /** The images visible to callers, read through `repos` (the store, or an open transaction). */
  imagesIn(repos: Repositories): ImageCatalog;
  systemComponents: SystemComponents;
  /** The committed ids of the accounts' default resource groups and vSwitches. */
  defaultIds: DefaultIds;
  /**
   * Called after an execution is queued (committed), so workers in this process claim it at
   * once instead of at their next poll. Workers elsewhere still find it by polling.
   */
  executionQueued: Set<() => void>;
  /** Called after a task is created (committed), so task workers in this process claim it at once (see `taskQueued` in `tasks.ts`). */
  taskQueued: Set<() => void>;
  /** Images' layers, read from their content in the blob store; absent where nothing reads them (workers, unit tests). */
  imageLayers?: ImageLayerReader;
}

/** Ports the app reads through when the process has them (`main/` wires them). */
export interface AppPorts {
  imageLayers?: ImageLayerReader;
}

export function createApp(store: Store, config: KilnConfig, ports: AppPorts = {}): App {
  const regionIds = new Set(config.regions.map((r) => r.regionId));
  return {
    store,
    config,
    regions: config.regions,
    imagesIn: (repos) => new AccountImageCatalog(regionIds, repos.images, config.imageAliases),
    systemComponents: new SystemComponents(config.regions.map((r) => r.regionId)),
    defaultIds: new DefaultIds(store),
    executionQueued: new Set(),
    taskQueued: new Set(),
    ...(ports.imageLayers ? { imageLayers: ports.imageLayers } : {}),
  };
}

export function isKnownRegion(app: App, regionId: string): boolean {
  return app.regions.some((r) => r.regionId === regionId);
}

/** The caller's scope for a request: its account and the request's `RegionId` (present: the operation spec requires it), which must exist. */
export function scopeFor(app: App, accountId: string, regionId: string): Scope {
  if (!isKnownRegion(app, regionId)) {
    throw fault('InvalidRegionId.NotFound', { param: 'RegionId', regionId });
  }
  return { accountId, regionId };
}
