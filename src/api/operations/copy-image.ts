import { scopeFor } from '../../app/app.js';
import { copyImage as copy, type CopyRequest } from '../../app/images-copy.js';
import type { Operation } from './operation.js';

/** CopyImage → `{ImageId}` of the copy. `Encrypted`, `KMSKeyId` and `ResourceGroupId` are accepted and ignored. */
export const copyImage: Operation = {
  action: 'CopyImage',
  async handle({ app, accountId, params }) {
    const scope = scopeFor(app, accountId, params.str('RegionId'));
    params.bool('Encrypted');
    const req: CopyRequest = { imageId: params.required('ImageId'), tags: params.tags('Tag') };
    const optional = { destinationRegionId: 'DestinationRegionId', name: 'DestinationImageName', description: 'DestinationDescription' } as const;
    for (const [key, wire] of Object.entries(optional) as Array<[keyof typeof optional, string]>) {
      const v = params.str(wire);
      if (v !== undefined) req[key] = v;
    }
    const { imageId } = await copy(app, scope, req, params.str('ClientToken'));
    return { ImageId: imageId };
  },
};
