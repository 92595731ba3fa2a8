import { isKilnError } from '../domain/errors.js';
import { nextShareList } from '../domain/image-rules.js';
import type { DistributionProblem } from '../domain/distribution.js';
import type { Image } from '../domain/image.js';
import type { Repositories } from '../domain/ports.js';
import type { ImageRegistry } from './image-registry.js';

/** Where a built image goes after it is registered: a template's ToRegionId.N and AddAccount.N. */
export interface DistributionTargets {
  toRegionIds: readonly string[];
  addAccounts: readonly string[];
}


/** What a distribution did: the copies made (region → image), the accounts shared with, and what failed. */
export interface Distribution {
  copies: Image[];
  /** Each account shared with, and the images (the source and its copies) it now sees. */
  shares: Array<{ accountId: string; imageIds: string[] }>;
  problems: DistributionProblem[];
}

/**
 * DISTRIBUTING, through `tx`: copies `image` to each target region as CopyImage copies it
 * (`copyOf`: the same name and description, a new creation time, no tags; the name rule and the
 * owner's image quota, which a copy of the owner's own image never exceeds) and shares the image
 * and its copies with each account as ModifyImageSharePermission does (`nextShareList`). A target
 * that is refused (a name taken there, an account that does not exist) is a problem, not a
 * failure: the rest goes on. The owner's own account and the image's region need nothing.
 * It checks before it writes, so no refused write dooms the caller's transaction.
 */
export async function distributeImage(registry: ImageRegistry, tx: Repositories, image: Image, targets: DistributionTargets): Promise<Distribution> {
  const done: Distribution = { copies: [], shares: [], problems: [] };
  for (const regionId of new Set(targets.toRegionIds)) {
    if (regionId === image.regionId) continue;
    try {
      done.copies.push(await registry.registerCopy(tx, image, { accountId: image.accountId, regionId, imageName: image.imageName, tags: [] }));
    } catch (err) {
      if (!isKilnError(err)) throw err;
      done.problems.push({ target: { regionId }, code: err.code, message: err.message });
    }
  }
  const images = [image, ...done.copies];
  for (const accountId of new Set(targets.addAccounts)) {
    if (accountId === image.accountId) continue;
    if (!(await tx.accounts.get(accountId))) {
      done.problems.push({ target: { accountId }, code: 'InvalidAccount.NotFound', message: 'the account does not exist' });
      continue;
    }
    try {
      const changes = [];
      for (const one of images) {
        const scope = { accountId: one.accountId, regionId: one.regionId };
        const current = await tx.images.shares(scope, one.imageId);
        const added = nextShareList(one.accountId, current, [accountId], []).filter((a) => !current.includes(a));
        changes.push({ scope, imageId: one.imageId, added });
      }
      for (const c of changes) if (c.added.length > 0) await tx.images.addShares(c.scope, c.imageId, c.added);
      done.shares.push({ accountId, imageIds: images.map((i) => i.imageId) });
    } catch (err) {
      if (!isKilnError(err)) throw err;
      done.problems.push({ target: { accountId }, code: err.code, message: err.message });
    }
  }
  return done;
}

