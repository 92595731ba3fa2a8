import { scopeFor } from '../../app/app.js';
import { deleteComponent } from '../../app/components.js';
import { defineOperation } from './operation.js';
import { str } from './spec/build.js';
import { regionId } from './spec/common.js';

export const deleteImageComponent = defineOperation({
  action: 'DeleteImageComponent',
  summary: 'Deletes one of the caller\'s components while no template uses it.',
  params: {
    regionId,
    imageComponentId: str('ImageComponentId', { required: true }),
  },
  async run({ app, accountId, input }) {
    await deleteComponent(app, scopeFor(app, accountId, input.regionId), input.imageComponentId);
    return {};
  },
});
