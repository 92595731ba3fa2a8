import { deleteComponent } from '../../app/components.js';
import { defineRegionalOperation } from './operation.js';
import { str } from './spec/build.js';

export const deleteImageComponent = defineRegionalOperation({
  action: 'DeleteImageComponent',
  summary: 'Deletes one of the caller\'s components while no template uses it.',
  params: {
    imageComponentId: str('ImageComponentId', { required: true }),
  },
  async run({ app, scope, input }) {
    await deleteComponent(app, scope, input.imageComponentId);
    return {};
  },
});
