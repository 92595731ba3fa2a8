import { KilnError } from '../domain/errors.js';
import { MAX_SHARE_ACCOUNTS_PER_CALL, nextShareList } from '../domain/image-rules.js';
import type { Repositories, Scope } from '../domain/ports.js';
import type { App } from './app.js';
import { requireOwnedImage } from './images.js';

/*
 * Image sharing: ModifyImageSharePermission and DescribeImageSharePermission. A shared image
 * is visible to the accounts it is shared with (DescribeImages `others`, template base images).
 */

export interface ShareChange {
  add: string[];
  remove: string[];
  /** Community images: `true` publishes (not available in Kiln), `false` leaves a regular image as it is. */
  isPublic?: boolean;
}

async function requireAccounts(repos: Repositories, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    if (!(await repos.accounts.get(id))) {
      throw new KilnError('InvalidAccount.NotFound', `The specified account ${id} in parameter "AddAccount.n" or "RemoveAccount.n" does not exist.`);
    }
  }
}

/** ModifyImageSharePermission: shares the caller's image with accounts and unshares it from others. */
export async function modifyImageShares(app: App, scope: Scope, imageId: string, change: ShareChange): Promise<void> {
  const add = [...new Set(change.add.slice(0, MAX_SHARE_ACCOUNTS_PER_CALL))];
  const remove = [...new Set(change.remove.slice(0, MAX_SHARE_ACCOUNTS_PER_CALL))];
  if (change.isPublic === true && (add.length > 0 || remove.length > 0)) {
    throw new KilnError('InvalidParameter.IsPublic', 'The specified parameter IsPublic is conflicted with other parameters: publish a community image and share it with accounts in separate requests.');
  }
  await app.store.transaction(async (tx) => {
    const image = await requireOwnedImage(tx, scope, imageId);
    if (change.isPublic === true) {
      throw new KilnError('CurrentRegion.NotSupportPublicImage', `Public image is not supported for current region: Kiln has no community images (region ${scope.regionId}).`);
    }
    await requireAccounts(tx, [...add, ...remove]);
    const current = await tx.images.shares(scope, imageId);
    const next = nextShareList(scope.accountId, current, add, remove);
    const added = next.filter((a) => !current.includes(a));
    const removed = current.filter((a) => !next.includes(a));
    // A Deprecated (or not yet Available) image cannot be shared; unsharing it is always allowed.
    if (added.length > 0 && image.status !== 'Available') {
      throw new KilnError('IncorrectImageStatus', `The image is not available: ${imageId} is ${image.status}, and only an Available image can be shared.`);
    }
    if (added.length > 0) await tx.images.addShares(scope, imageId, added);
    if (removed.length > 0) await tx.images.removeShares(scope, imageId, removed);
  });
}

/** DescribeImageSharePermission: the accounts the caller's image is shared with, paged (PageNumber from 1, PageSize 1–100, checked by the wire spec). */
export async function describeImageShares(app: App, scope: Scope, imageId: string, pageNumber: number, pageSize: number): Promise<{ totalCount: number; accounts: string[] }> {
  await requireOwnedImage(app.store, scope, imageId);
  const all = await app.store.images.shares(scope, imageId);
  return { totalCount: all.length, accounts: all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize) };
}
