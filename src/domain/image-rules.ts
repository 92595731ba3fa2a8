import { KilnError, fault } from './errors.js';
import type { Image } from './image.js';
import type { Tag } from './tag.js';

/*
 * Rules for account images: names of copies, share lists (ModifyImageSharePermission) and
 * what a copy keeps of its source (CopyImage).
 */

/** Accounts one image may be shared with (`QuotaExceed.ShareImageUser` beyond). */
export const MAX_SHARE_ACCOUNTS = 50;
/** AddAccount.N / RemoveAccount.N: only the first 10 of each are processed, the rest are ignored. */
export const MAX_SHARE_ACCOUNTS_PER_CALL = 10;

const LETTER = 'a-zA-Z\\u4e00-\\u9fa5';
const IMAGE_NAME = new RegExp(`^[${LETTER}][${LETTER}0-9:._-]{1,127}$`);

/** Image names: 2–128 chars, a letter first, letters, digits, `.` `:` `_` `-`; not `acs:`/`aliyun` prefixed; no URLs. */
export function checkImageName(name: string | undefined, what = 'DestinationImageName'): void {
  if (name === undefined) return;
  if (!IMAGE_NAME.test(name) || /^(acs:|aliyun)/i.test(name) || /https?:\/\//i.test(name)) {
    throw new KilnError('InvalidImageName.Malformed', `The specified ${what} "${name}" is malformed: it must be 2 to 128 characters, start with a letter, must not start with acs: or aliyun, and contain only letters, digits, periods (.), colons (:), underscores (_) and hyphens (-).`);
  }
}

export function imageNotFound(imageId: string): KilnError {
  return fault('InvalidImageId.NotFound', { imageId });
}

/**
 * The share list after adding and removing accounts (removal wins when an account is in
 * both). The owner cannot share with itself; the result may hold at most `MAX_SHARE_ACCOUNTS`.
 */
export function nextShareList(ownerId: string, current: readonly string[], add: readonly string[], remove: readonly string[]): string[] {
  if (add.includes(ownerId)) {
    throw new KilnError('InvalidAccount.Forbbiden', `The specified Account does not yourself: an image cannot be shared with its owner (${ownerId}).`);
  }
  const next = new Set(current);
  for (const a of add) next.add(a);
  for (const r of remove) next.delete(r);
  if (next.size > MAX_SHARE_ACCOUNTS) {
    throw new KilnError('QuotaExceed.ShareImageUser', `The shared Image user Quota exceeds: an image can be shared with at most ${MAX_SHARE_ACCOUNTS} accounts (this change would make ${next.size}).`);
  }
  return [...next].sort();
}

export interface CopyTarget {
  imageId: string;
  accountId: string;
  regionId: string;
  imageName: string;
  description?: string;
  tags: Tag[];
  creationTime: string;
}

/**
 * The image CopyImage makes: the source's content (same manifest) and OS facts, owned by the
 * caller in the destination region, with its own name, description and tags. A copy of an
 * image shared with the caller does not keep the owner's build (execution) id.
 */
export function copyOf(source: Image, target: CopyTarget): Image {
  const { sourceExecutionId, description: _d, tags: _t, copiedFrom: _c, ...content } = source;
  const copy: Image = {
    ...content,
    imageId: target.imageId,
    accountId: target.accountId,
    regionId: target.regionId,
    imageName: target.imageName,
    imageOwnerAlias: 'self',
    status: 'Available',
    creationTime: target.creationTime,
    registeredAt: new Date().toISOString(),
    tags: target.tags,
    copiedFrom: { imageId: source.imageId, regionId: source.regionId },
  };
  const description = target.description ?? source.description;
  if (description !== undefined) copy.description = description;
  if (sourceExecutionId !== undefined && source.accountId === target.accountId) copy.sourceExecutionId = sourceExecutionId;
  return copy;
}
