import { scopeFor } from '../../app/app.js';
import { imageFromFamily } from '../../app/images.js';
import type { Operation } from './operation.js';
import { presentImage } from './present-image.js';

/**
 * DescribeImageFromFamily: the newest available image of the family among the images the
 * caller can use (own, shared with it, system). None: an empty `Image` (the docs: "the
 * response is empty"), not an error.
 */
export const describeImageFromFamily: Operation = {
  action: 'DescribeImageFromFamily',
  async handle({ app, accountId, params }) {
    const scope = scopeFor(app, accountId, params.str('RegionId'));
    const view = await imageFromFamily(app, scope, params.required('ImageFamily'));
    return { Image: view ? presentImage(view) : {} };
  },
};
