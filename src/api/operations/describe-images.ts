import { creationWindow, describeImages as describe, OWNER_ALIASES, USAGES } from '../../app/images.js';
import { MAX_TAGS } from '../../domain/tag.js';
import { defineRegionalOperation } from './operation.js';
import { presentImage } from './present-image.js';
import { bool, list, notSupported, objects, str, violation } from './spec/build.js';
import { pageNumber, pageSize, tags } from './spec/common.js';

/** Status values: `Available` when absent; `ALL` for every status. */
function statuses(values: string[]): string[] {
  if (values.length === 0) return ['Available'];
  return values.includes('ALL') ? [] : values;
}

/** DescribeImages: the images visible to the caller in the region, paged by PageNumber/PageSize. */
export const describeImages = defineRegionalOperation({
  action: 'DescribeImages',
  summary: 'The images visible to the caller in the region (system, own, shared with it), paged.',
  params: {
    tags: tags('Tag', { maxItems: { max: MAX_TAGS, violation: violation('InvalidTagCount', () => `The number of Tag filters exceeds the maximum of ${MAX_TAGS}.`) } }),
    showExpired: bool('ShowExpired', { doc: 'Checked for its type only: subscription images do not expire in Kiln.' }),
    pageNumber,
    pageSize,
    imageIds: list('ImageId', str('ImageId'), { csv: true }),
    ownerAliases: list('ImageOwnerAlias', str('ImageOwnerAlias', {
      enum: { values: OWNER_ALIASES, violation: notSupported('InvalidImageOwnerAlias.ValueNotSupported', 'ImageOwnerAlias') },
    }), { csv: true }),
    status: list('Status', str('Status'), { csv: true, doc: 'Default Available; ALL for every status.' }),
    filters: objects('Filter', { key: str('Key'), value: str('Value') }, {
      doc: 'CreationStartTime / CreationEndTime written yyyy-MM-ddTHH:mmZ (InvalidParameter); other keys select nothing Kiln tracks.',
    }),
    nameContains: str('ImageName', { doc: 'Part of the name.' }),
    imageFamily: str('ImageFamily'),
    osType: str('OSType'),
    architecture: str('Architecture'),
    sharedBy: str('ImageOwnerId'),
    usage: str('Usage', {
      enum: { values: USAGES, violation: violation('InvalidUsage', (c) => `The specified Usage "${c.value}" is not valid. Valid values: ${c.allowed.join(', ')}.`) },
    }),
    snapshotId: str('SnapshotId'),
    isPublic: bool('IsPublic'),
    isSupportCloudinit: bool('IsSupportCloudinit'),
    isSupportIoOptimized: bool('IsSupportIoOptimized'),
  },
  async run({ app, scope, input: { showExpired: _ignored, filters, status, ...query } }) {
    const q = { ...query, status: statuses(status), ...creationWindow(filters) };
    const { totalCount, images } = await describe(app, scope, q);
    return {
      RegionId: scope.regionId,
      TotalCount: totalCount,
      PageNumber: q.pageNumber,
      PageSize: q.pageSize,
      Images: { Image: images.map(presentImage) },
    };
  },
});
