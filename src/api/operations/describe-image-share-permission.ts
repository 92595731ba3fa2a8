import { describeImageShares } from '../../app/images-share.js';
import { defineRegionalOperation } from './operation.js';
import { str } from './spec/build.js';
import { pageNumber, pageSize } from './spec/common.js';

/** DescribeImageSharePermission: the accounts one of the caller's images is shared with. */
export const describeImageSharePermission = defineRegionalOperation({
  action: 'DescribeImageSharePermission',
  summary: 'The accounts one of the caller\'s images is shared with, paged.',
  params: {
    imageId: str('ImageId', { required: true }),
    pageNumber,
    pageSize,
  },
  async run({ app, scope, input }) {
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
