import type { ImageAlias } from '../config/config.js';
import { SYSTEM_IMAGES } from '../domain/catalog/system-images.js';
import type { Image } from '../domain/image.js';
import type { ImageCatalog, ImageFilter, ImageRepository, Scope } from '../domain/ports.js';

function matches(i: Image, f: ImageFilter): boolean {
  const created = Date.parse(i.creationTime);
  return (!f.imageIds?.length || f.imageIds.includes(i.imageId))
    && (f.imageName === undefined || i.imageName === f.imageName)
    && (f.nameContains === undefined || i.imageName.includes(f.nameContains))
    && (f.imageFamily === undefined || i.imageFamily === f.imageFamily)
    && (!f.ownerAliases?.length || f.ownerAliases.includes(i.imageOwnerAlias))
    && (f.sharedBy === undefined || i.imageOwnerAlias !== 'others' || i.accountId === f.sharedBy)
    && (f.osType === undefined || i.osType === f.osType)
    && (f.architecture === undefined || i.architecture === f.architecture)
    && (!f.status?.length || f.status.includes(i.status))
    && (f.isSupportCloudinit === undefined || i.isSupportCloudinit === f.isSupportCloudinit)
    && (f.createdFrom === undefined || created >= f.createdFrom)
    && (f.createdTo === undefined || created <= f.createdTo)
    && (!f.tags?.length || f.tags.every((t) => i.tags.some((it) => it.key === t.key && (t.value === '' || it.value === t.value))));
}

/**
 * The images a caller can see and build from in a region: the system base images (in every
 * configured region), the account's own images and those shared with it.
 */
export class AccountImageCatalog implements ImageCatalog {
  private readonly aliases: Array<{ pattern: RegExp; image: string }>;

  constructor(private readonly regionIds: ReadonlySet<string>, private readonly images: ImageRepository, aliases: readonly ImageAlias[] = []) {
    this.aliases = aliases.map((a) => ({ pattern: globToRegExp(a.pattern), image: a.image }));
  }

  private system(regionId: string): Image[] {
    if (!this.regionIds.has(regionId)) return [];
    return SYSTEM_IMAGES.map((img) => ({ ...img, regionId, tags: [...img.tags] }));
  }

  /**
   * The image `imageId`, else, through the first configured alias whose pattern matches it, the
   * image the alias names, under the id asked for (`aliasOf` keeps the real one).
   */
  async find(scope: Scope, imageId: string): Promise<Image | undefined> {
    const direct = await this.findDirect(scope, imageId);
    if (direct) return direct;
    const alias = this.aliases.find((a) => a.pattern.test(imageId));
    if (!alias) return undefined;
    const target = await this.findDirect(scope, alias.image);
    return target ? { ...target, imageId, aliasOf: target.aliasOf ?? target.imageId } : undefined;
  }

  private async findDirect(scope: Scope, imageId: string): Promise<Image | undefined> {
    return this.system(scope.regionId).find((i) => i.imageId === imageId) ?? (await this.images.getVisible(scope, imageId));
  }

  /**
   * The one rule of a family, for DescribeImageFromFamily and `BaseImageType=IMAGE_FAMILY`
   * builds alike: the newest Available image (`creationTime`, whole seconds; then the later
   * `registeredAt`; then the greater id). A Deprecated image is skipped, so deprecating the
   * newest rolls the family back to the one before it.
   */
  async latestInFamily(scope: Scope, family: string): Promise<Image | undefined> {
    return (await this.list(scope, { imageFamily: family, status: ['Available'] }))
      .sort((a, b) => compareDesc(a.creationTime, b.creationTime) || compareDesc(a.registeredAt ?? '', b.registeredAt ?? '')
        || compareDesc(a.imageId, b.imageId))[0];
  }

  async list(scope: Scope, filter: ImageFilter): Promise<Image[]> {
    const all = [...this.system(scope.regionId), ...(await this.images.listVisible(scope))];
    return all.filter((i) => matches(i, filter));
  }
}

function compareDesc(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}

/** A glob where `*` matches any run of characters (including none); everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}
