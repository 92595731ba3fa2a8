import { createAccount } from '../../../src/auth/accounts.js';
import { newAccountImage, type Image } from '../../../src/domain/image.js';
import { kilnFixture } from '../../support/kiln-fixture.js';
import { REGION, type Clients, type TestKiln } from '../../support/kiln.js';

/*
 * The account-image conformance suites (images-api, images-sharing): one Kiln per file, fresh
 * accounts per test, images inserted into the store as setup, and the image requests they send.
 */

/** A second region of the test configuration (copies and region-scoped lookups). */
export const BEIJING = 'cn-beijing';

/** An account of its own with clients signed by its AccessKey. */
export interface Tenant extends Clients {
  accountId: string;
}

/** What {@link imagesFixture} gives a test file. */
export interface ImagesFixture {
  /** The Kiln started by the file's `before` hook (only valid inside tests). */
  readonly kiln: TestKiln;
  /** A fresh account, so each test sees only its own images. */
  tenant(): Promise<Tenant>;
  /** Inserts an image owned by `owner` (a build would save the same row). */
  seed(owner: Tenant, over?: Partial<Image>): Promise<Image>;
}

/** Starts a Kiln before the file's tests and stops it after them; call at module level. */
export function imagesFixture(): ImagesFixture {
  const api = kilnFixture();
  const running = (): TestKiln => api.kiln;
  let counter = 0;
  return {
    get kiln() {
      return running();
    },
    async tenant() {
      const k = running();
      const { account, accessKey } = await createAccount(k.app.store, k.config.regions.map((r) => r.regionId));
      return { accountId: account.id, ...k.clientsFor(accessKey.id, accessKey.secret) };
    },
    async seed(owner, over = {}) {
      const n = ++counter;
      const image: Image = {
        ...newAccountImage({
          imageId: `m-kilntest${String(n).padStart(6, '0')}${Math.random().toString(36).slice(2, 8)}`,
          regionId: REGION,
          accountId: owner.accountId,
          imageName: `img-${n}`,
          imageFamily: 'team-base',
          description: `image ${n}`,
          size: 40,
          creationTime: `2025-01-01T00:00:${String(n % 60).padStart(2, '0')}Z`,
          tags: [{ key: 'env', value: 'prod' }],
          manifestDigest: `sha256:${String(n).padStart(64, '0')}`,
          sourceExecutionId: `exec-${String(n).padStart(32, '0')}`,
        }),
        ...over,
      };
      await running().app.store.images.insert(image);
      return image;
    },
  };
}
