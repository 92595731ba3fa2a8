import { scopeFor } from '../../app/app.js';
import { describeImageShares } from '../../app/images-share.js';
import { defineOperation } from './operation.js';
import { str } from './spec/build.js';
import { pageNumber, pageSize, regionId } from './spec/common.js';

/** DescribeImageSharePermission: the accounts one of the caller's images is shared with. */
export const describeImageSharePermission = defineOperation({
  action: 'DescribeImageSharePermission',
  summary: 'The accounts one of the caller\'s images is shared with, paged.',
  params: {
    regionId,
    imageId: str('ImageId', { required: true }),
    pageNumber,
    pageSize,
  },
  async run({ app, accountId, input }) {
    const scope = scopeFor(app, accountId, input.regionId);
    const { totalCount, accounts } = await describeImageShares(app, scope, input.imageId, input.pageNumber, input.pageSize);
    return {
      RegionId: scope.regionId,
      ImageId: input.imageId,
      TotalCount: totalCount,
      PageNumber: input.pageNumber,
      PageSize: input.pageSize,
      ShareGroups: { ShareGroup: [] },
      Accounts: { Account: accounts.map((AliyunId) => ({ AliyunId })) },
    };
  },
});
