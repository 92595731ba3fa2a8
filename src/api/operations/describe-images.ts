import { scopeFor } from '../../app/app.js';
import { KilnError } from '../../domain/errors.js';
import type { Image } from '../../domain/image.js';
import type { ImageFilter } from '../../domain/ports.js';
import type { Operation } from './operation.js';
import { presentTags } from './present-tags.js';

function presentImage(i: Image): Record<string, unknown> {
  return {
    ImageId: i.imageId,
    ImageName: i.imageName,
    ImageFamily: i.imageFamily,
    ImageVersion: '',
    Description: i.description,
    ImageOwnerAlias: i.imageOwnerAlias,
    ImageOwnerId: Number(i.accountId),
    OSType: i.osType,
    OSName: i.osName,
    OSNameEn: i.osNameEn,
    Platform: i.platform,
    Architecture: i.architecture,
    BootMode: i.bootMode,
    Size: i.size,
    Status: i.status,
    Progress: i.status === 'Available' ? '100%' : '0%',
    CreationTime: i.creationTime,
    IsSupportCloudinit: i.isSupportCloudinit,
    IsSupportIoOptimized: true,
    IsSubscribed: false,
    IsCopied: false,
    IsSelfShared: '',
    IsPublic: i.imageOwnerAlias === 'system',
    Usage: 'none',
    ProductCode: '',
    LoginAsNonRootSupported: false,
    Features: { NvmeSupport: 'unsupported' },
    DiskDeviceMappings: { DiskDeviceMapping: [{ Device: '/dev/xvda', Size: String(i.size), Type: 'system', Format: '', ImportOSSBucket: '', ImportOSSObject: '' }] },
    Tags: presentTags(i.tags),
  };
}

const OWNER_ALIASES = ['system', 'self', 'others', 'marketplace'];

/** DescribeImages: the images visible to the caller in the region, paged by PageNumber/PageSize. */
export const describeImages: Operation = {
  action: 'DescribeImages',
  async handle({ app, accountId, params }) {
    const scope = scopeFor(app, accountId, params.str('RegionId'));
    const pageNumber = params.int('PageNumber') ?? 1;
    const pageSize = params.int('PageSize') ?? 10;
    if (pageNumber < 1) throw new KilnError('InvalidParameter.PageNumber', 'The specified PageNumber must be 1 or greater.');
    if (pageSize < 1 || pageSize > 100) throw new KilnError('InvalidParameter.PageSize', 'The specified PageSize must be from 1 to 100.');
    const filter: ImageFilter = { imageIds: params.listOrCsv('ImageId'), tags: params.tags('Tag') };
    const aliases = params.listOrCsv('ImageOwnerAlias');
    for (const a of aliases) {
      if (!OWNER_ALIASES.includes(a)) throw new KilnError('InvalidImageOwnerAlias.ValueNotSupported', `The specified ImageOwnerAlias "${a}" is not supported. Valid values: ${OWNER_ALIASES.join(', ')}.`);
    }
    if (aliases.length) filter.ownerAliases = aliases;
    const status = params.listOrCsv('Status');
    filter.status = status.length ? status : ['Available'];
    const strings = { imageName: 'ImageName', imageFamily: 'ImageFamily', osType: 'OSType', architecture: 'Architecture' } as const;
    for (const [key, wire] of Object.entries(strings) as Array<[keyof typeof strings, string]>) {
      const v = params.str(wire);
      if (v !== undefined) filter[key] = v;
    }
    const images = await app.imagesIn(app.store).list(scope, filter);
    return {
      RegionId: scope.regionId,
      TotalCount: images.length,
      PageNumber: pageNumber,
      PageSize: pageSize,
      Images: { Image: images.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map(presentImage) },
    };
  },
};
