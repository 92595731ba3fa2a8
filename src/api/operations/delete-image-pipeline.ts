import { scopeFor } from '../../app/app.js';
import { deletePipeline } from '../../app/pipelines.js';
import type { Operation } from './operation.js';

export const deleteImagePipeline: Operation = {
  action: 'DeleteImagePipeline',
  async handle({ app, accountId, params }) {
    const scope = scopeFor(app, accountId, params.str('RegionId'));
    await deletePipeline(app, scope, params.required('ImagePipelineId'));
    return {};
  },
};
