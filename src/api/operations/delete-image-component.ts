import { scopeFor } from '../../app/app.js';
import { deleteComponent } from '../../app/components.js';
import type { Operation } from './operation.js';

export const deleteImageComponent: Operation = {
  action: 'DeleteImageComponent',
  async handle({ app, accountId, params }) {
    const scope = scopeFor(app, accountId, params.str('RegionId'));
    await deleteComponent(app, scope, params.required('ImageComponentId'));
    return {};
  },
};
