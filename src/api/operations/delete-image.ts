import { deleteImage as remove } from '../../app/images.js';
import { defineRegionalOperation } from './operation.js';
import { bool, str } from './spec/build.js';

export const deleteImage = defineRegionalOperation({
  action: 'DeleteImage',
  summary: 'Deletes one of the caller\'s images; `Force=true` also deletes a shared one.',
  params: {
    imageId: str('ImageId', { required: true }),
    force: bool('Force', { default: false }),
  },
  async run({ app, scope, input }) {
    await remove(app, scope, input.imageId, input.force);
    return {};
  },
});
