import { modifyImageShares } from '../../app/images-share.js';
import { defineRegionalOperation } from './operation.js';
import { bool, list, str } from './spec/build.js';

/** ModifyImageSharePermission: AddAccount.N / RemoveAccount.N (the first 10 of each). */
export const modifyImageSharePermission = defineRegionalOperation({
  action: 'ModifyImageSharePermission',
  summary: 'Shares one of the caller\'s images with accounts and unshares it from others.',
  params: {
    imageId: str('ImageId', { required: true }),
    add: list('AddAccount', str('AddAccount'), { doc: 'Only the first 10 are processed (InvalidAccount.NotFound, InvalidAccount.Forbbiden, QuotaExceed.ShareImageUser).' }),
    remove: list('RemoveAccount', str('RemoveAccount'), { doc: 'Only the first 10 are processed.' }),
    isPublic: bool('IsPublic', { doc: '`true` is refused: Kiln has no community images.' }),
  },
  async run({ app, scope, input: { imageId, ...change } }) {
    await modifyImageShares(app, scope, imageId, change);
    return {};
  },
});
