import { copyImage as copy } from '../../app/images-copy.js';
import { defineRegionalOperation } from './operation.js';
import { bool, str } from './spec/build.js';
import { clientToken, tags } from './spec/common.js';

/** CopyImage → `{ImageId}` of the copy. `Encrypted`, `KMSKeyId` and `ResourceGroupId` are accepted and ignored. */
export const copyImage = defineRegionalOperation({
  action: 'CopyImage',
  summary: 'A copy of an image the caller can use, owned by the caller, in this or another region.',
  params: {
    encrypted: bool('Encrypted', { doc: 'Accepted and ignored (Kiln images are not encrypted).' }),
    imageId: str('ImageId', { required: true }),
    tags: tags('Tag'),
    destinationRegionId: str('DestinationRegionId', { doc: 'Default: the source\'s region (DestinationRegion.NotFound).' }),
    name: str('DestinationImageName', { doc: 'Follows the image name rule (InvalidImageName.Malformed); default: the source\'s name.' }),
    description: str('DestinationDescription', { doc: '2–256 characters, not a URL (InvalidDescription.Malformed).' }),
    clientToken,
  },
  async run({ app, scope, input: { clientToken, encrypted: _ignored, ...request } }) {
    const { imageId } = await copy(app, scope, request, clientToken);
    return { ImageId: imageId };
  },
});
