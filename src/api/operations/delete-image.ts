import { scopeFor } from '../../app/app.js';
import { deleteImage as remove } from '../../app/images.js';
import { defineOperation } from './operation.js';
import { bool, str } from './spec/build.js';
import { regionId } from './spec/common.js';

export const deleteImage = defineOperation({
  action: 'DeleteImage',
  summary: 'Deletes one of the caller\'s images; `Force=true` also deletes a shared one.',
  params: {
    regionId,
    imageId: str('ImageId', { required: true }),
    force: bool('Force', { default: false }),
  },
  async run({ app, accountId, input }) {
    await remove(app, scopeFor(app, accountId, input.regionId), input.imageId, input.force);
    return {};
  },
});
