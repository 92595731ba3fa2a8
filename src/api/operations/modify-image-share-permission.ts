import { scopeFor } from '../../app/app.js';
import { modifyImageShares, type ShareChange } from '../../app/images-share.js';
import type { Operation } from './operation.js';

/** ModifyImageSharePermission: AddAccount.N / RemoveAccount.N (the first 10 of each). */
export const modifyImageSharePermission: Operation = {
  action: 'ModifyImageSharePermission',
  async handle({ app, accountId, params }) {
    const scope = scopeFor(app, accountId, params.str('RegionId'));
    const imageId = params.required('ImageId');
    const change: ShareChange = { add: params.list('AddAccount'), remove: params.list('RemoveAccount') };
    const isPublic = params.bool('IsPublic');
    if (isPublic !== undefined) change.isPublic = isPublic;
    await modifyImageShares(app, scope, imageId, change);
    return {};
  },
};
