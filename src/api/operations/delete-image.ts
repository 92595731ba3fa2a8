import { scopeFor } from '../../app/app.js';
import { deleteImage as remove } from '../../app/images.js';
import type { Operation } from './operation.js';

/** DeleteImage: one of the caller's images; `Force=true` also deletes a shared one. */
export const deleteImage: Operation = {
  action: 'DeleteImage',
  async handle({ app, accountId, params }) {
    const scope = scopeFor(app, accountId, params.str('RegionId'));
    await remove(app, scope, params.required('ImageId'), params.bool('Force') ?? false);
    return {};
  },
};
