import type { Image } from '../domain/image.js';
import type { ImagePipeline } from '../domain/pipeline.js';
import type { Store } from '../domain/ports.js';

/**
 * DISTRIBUTING: copies the image to each target region (a new image id there, the same
 * content) and shares the image and its copies with each account. Returns one sentence per
 * target that failed (empty when everything was done).
 */
export async function distribute(store: Store, image: Image, pipeline: ImagePipeline, newImageId: () => string, log: (s: 'system', t: string) => void): Promise<string[]> {
  const problems: string[] = [];
  const copies: Image[] = [image];
  for (const regionId of pipeline.toRegionIds) {
    if (regionId === image.regionId) continue;
    const scope = { accountId: image.accountId, regionId };
    if (await store.images.nameTaken(scope, image.imageName)) {
      problems.push(`Copy to ${regionId} failed: the image name ${image.imageName} is already in use there (InvalidImageName.Duplicated).`);
      continue;
    }
    const copy: Image = { ...image, imageId: newImageId(), regionId, copiedFrom: { imageId: image.imageId, regionId: image.regionId }, description: `Copied from ${image.imageId} (${image.regionId}).` };
    await store.images.insert(copy);
    copies.push(copy);
    log('system', `copied ${image.imageId} to ${regionId} as ${copy.imageId}\n`);
  }
  for (const account of pipeline.addAccounts) {
    if (account === image.accountId) continue;
    if (!(await store.accounts.get(account))) {
      problems.push(`Share with account ${account} failed: the account does not exist.`);
      continue;
    }
    for (const copy of copies) await store.images.addShares({ accountId: copy.accountId, regionId: copy.regionId }, copy.imageId, [account]);
    log('system', `shared ${copies.map((c) => c.imageId).join(', ')} with account ${account}\n`);
  }
  return problems;
}
