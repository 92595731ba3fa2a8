import { scopeFor } from '../../app/app.js';
import { describeImageShares } from '../../app/images-share.js';
import type { Operation } from './operation.js';

/** DescribeImageSharePermission: the accounts one of the caller's images is shared with. */
export const describeImageSharePermission: Operation = {
  action: 'DescribeImageSharePermission',
  async handle({ app, accountId, params }) {
    const scope = scopeFor(app, accountId, params.str('RegionId'));
    const imageId = params.required('ImageId');
    const pageNumber = params.int('PageNumber') ?? 1;
    const pageSize = params.int('PageSize') ?? 10;
    const { totalCount, accounts } = await describeImageShares(app, scope, imageId, pageNumber, pageSize);
    return {
      RegionId: scope.regionId,
      ImageId: imageId,
      TotalCount: totalCount,
      PageNumber: pageNumber,
      PageSize: pageSize,
      ShareGroups: { ShareGroup: [] },
      Accounts: { Account: accounts.map((AliyunId) => ({ AliyunId })) },
    };
  },
};
