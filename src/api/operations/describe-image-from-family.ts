import { scopeFor } from '../../app/app.js';
import { imageFromFamily } from '../../app/images.js';
import { defineOperation } from './operation.js';
import { presentImage } from './present-image.js';
import { str } from './spec/build.js';
import { regionId } from './spec/common.js';

/**
 * DescribeImageFromFamily: the newest available image of the family among the images the
 * caller can use (own, shared with it, system). None: an empty `Image` (the docs: "the
 * response is empty"), not an error.
 */
export const describeImageFromFamily = defineOperation({
  action: 'DescribeImageFromFamily',
  summary: 'The newest available image of a family the caller can use; an empty `Image` when there is none.',
  params: {
    regionId,
    imageFamily: str('ImageFamily', { required: true }),
  },
  async run({ app, accountId, input }) {
    const view = await imageFromFamily(app, scopeFor(app, accountId, input.regionId), input.imageFamily);
    return { Image: view ? presentImage(view) : {} };
  },
});
