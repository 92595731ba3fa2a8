import { SYSTEM_IMAGES } from '../domain/catalog/system-images.js';
import type { Image } from '../domain/image.js';
import type { ImageCatalog, ImageFilter, Scope } from '../domain/ports.js';

/**
 * The images a build can start from. Today: the system base images, present in every
 * configured region. Images produced by executions join this catalog with the build engine.
 */
export class SystemImageCatalog implements ImageCatalog {
  constructor(private readonly regionIds: ReadonlySet<string>) {}

  private all(regionId: string): Image[] {
    if (!this.regionIds.has(regionId)) return [];
    return SYSTEM_IMAGES.map((img) => ({ ...img, regionId, tags: [...img.tags] }));
  }

  async find(scope: Scope, imageId: string): Promise<Image | undefined> {
    return this.all(scope.regionId).find((i) => i.imageId === imageId);
  }

  async latestInFamily(scope: Scope, family: string): Promise<Image | undefined> {
    return this.all(scope.regionId)
      .filter((i) => i.imageFamily === family && i.status === 'Available')
      .sort((a, b) => (a.creationTime < b.creationTime ? 1 : -1))[0];
  }

  async list(scope: Scope, f: ImageFilter): Promise<Image[]> {
    return this.all(scope.regionId).filter((i) =>
      (!f.imageIds?.length || f.imageIds.includes(i.imageId))
      && (f.imageName === undefined || i.imageName === f.imageName)
      && (f.imageFamily === undefined || i.imageFamily === f.imageFamily)
      && (!f.ownerAliases?.length || f.ownerAliases.includes(i.imageOwnerAlias))
      && (f.osType === undefined || i.osType === f.osType)
      && (f.architecture === undefined || i.architecture === f.architecture)
      && (!f.status?.length || f.status.includes(i.status))
      && (!f.tags?.length || f.tags.every((t) => i.tags.some((it) => it.key === t.key && (t.value === '' || it.value === t.value)))));
  }
}
