import { scopeFor } from '../../app/app.js';
import { creationWindow, describeImages as describe, type ImageQuery } from '../../app/images.js';
import { KilnError } from '../../domain/errors.js';
import { MAX_TAGS } from '../../domain/tag.js';
import type { Operation } from './operation.js';
import { presentImage } from './present-image.js';

/** Status values: `Available` when absent; `ALL` for every status. */
function statuses(values: string[]): string[] {
  if (values.length === 0) return ['Available'];
  return values.includes('ALL') ? [] : values;
}

/** DescribeImages: the images visible to the caller in the region, paged by PageNumber/PageSize. */
export const describeImages: Operation = {
  action: 'DescribeImages',
  async handle({ app, accountId, params }) {
    const scope = scopeFor(app, accountId, params.str('RegionId'));
    const tags = params.tags('Tag');
    if (tags.length > MAX_TAGS) throw new KilnError('InvalidTagCount', `The number of Tag filters exceeds the maximum of ${MAX_TAGS}.`);
    params.bool('ShowExpired'); // subscription images do not expire in Kiln; checked for its type only
    const q: ImageQuery = {
      pageNumber: params.int('PageNumber') ?? 1,
      pageSize: params.int('PageSize') ?? 10,
      imageIds: params.listOrCsv('ImageId'),
      ownerAliases: params.listOrCsv('ImageOwnerAlias'),
      status: statuses(params.listOrCsv('Status')),
      tags,
      ...creationWindow(params.objects('Filter', ['Key', 'Value'] as const).map((f) => ({ key: f.Key, value: f.Value }))),
    };
    const strings = {
      nameContains: 'ImageName', imageFamily: 'ImageFamily', osType: 'OSType', architecture: 'Architecture',
      sharedBy: 'ImageOwnerId', usage: 'Usage', snapshotId: 'SnapshotId',
    } as const;
    for (const [key, wire] of Object.entries(strings) as Array<[keyof typeof strings, string]>) {
      const v = params.str(wire);
      if (v !== undefined) q[key] = v;
    }
    const flags = { isPublic: 'IsPublic', isSupportCloudinit: 'IsSupportCloudinit', isSupportIoOptimized: 'IsSupportIoOptimized' } as const;
    for (const [key, wire] of Object.entries(flags) as Array<[keyof typeof flags, string]>) {
      const v = params.bool(wire);
      if (v !== undefined) q[key] = v;
    }
    const { totalCount, images } = await describe(app, scope, q);
    return {
      RegionId: scope.regionId,
      TotalCount: totalCount,
      PageNumber: q.pageNumber,
      PageSize: q.pageSize,
      Images: { Image: images.map(presentImage) },
    };
  },
};
