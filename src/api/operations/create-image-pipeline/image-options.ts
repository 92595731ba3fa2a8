import { NVME_VALUES } from '../../../domain/pipeline-rules.js';
import { bool, notInList, str, struct, violation } from '../spec/build.js';
import { tags } from '../spec/common.js';

/* CreateImagePipeline's `ImageOptions.*` and `AdvancedOptions.*`: the image an execution makes. */

export const imageOptions = struct('ImageOptions', {
  imageTags: tags('ImageTags'),
  imageName: str('ImageName', { doc: 'Follows the image name prefix rule (InvalidImageName.Malformed).' }),
  imageFamily: str('ImageFamily', { doc: 'Follows the image family rule (InvalidImageFamily.Malformed).' }),
  description: str('Description', { doc: '2–256 characters, not a URL (InvalidImageOptions.Description).' }),
  imageFeatures: struct('ImageFeatures', {
    nvmeSupport: str('NvmeSupport', { enum: { values: NVME_VALUES, violation: notInList('InvalidParameter.NvmeSupport') } }),
  }),
});

export const advancedOptions = struct('AdvancedOptions', {
  imageNameSuffix: str('ImageNameSuffix', {
    enum: {
      values: ['disable'],
      violation: violation('InvalidAdvancedOptions.ImageNameSuffix', (c) => `The specified ${c.path} "${c.value}" is not valid. The only valid value is disable.`),
    },
  }),
  retainCloudAssistant: bool('RetainCloudAssistant'),
});
