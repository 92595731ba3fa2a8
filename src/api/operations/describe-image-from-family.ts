import { imageFromFamily } from '../../app/images.js';
import { defineRegionalOperation } from './operation.js';
import { presentImage } from './present-image.js';
import { str } from './spec/build.js';

/**
 * DescribeImageFromFamily: the newest available image of the family among the images the
 * caller can use (own, shared with it, system). None: an empty `Image` (the docs: "the
 * response is empty"), not an error.
 */
export const describeImageFromFamily = defineRegionalOperation({
  action: 'DescribeImageFromFamily',
  summary: 'The newest available image of a family the caller can use; an empty `Image` when there is none.',
  params: {
    imageFamily: str('ImageFamily', { required: true }),
  },
  async run({ app, scope, input }) {
    const view = await imageFromFamily(app, scope, input.imageFamily);
    return { Image: view ? presentImage(view) : {} };
  },
});
