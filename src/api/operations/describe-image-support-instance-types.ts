import { imageSupportInstanceTypes } from '../../app/instance-types.js';
import { defineRegionalOperation } from './operation.js';
import { notSupported, objects, str } from './spec/build.js';

/** `ActionType` values: today's two and those older pages listed. */
const ACTION_TYPES = ['CreateEcs', 'ChangeOS', 'Upgrade', 'Downgrade', 'RenewDowngrade'] as const;
/** `Filter.N.Key` values naming an image (`imagId` is the spelling one version of the page used). */
const IMAGE_KEYS = new Set(['imageid', 'filter', 'imagid']);

/**
 * DescribeImageSupportInstanceTypes → `ImageId`, `RegionId`, `InstanceTypes.InstanceType[]`:
 * the catalog's types of the image's CPU architecture. `ImageId`, else the first
 * `Filter.N` whose Key names an image; an image the caller cannot see is InvalidImageId.NotFound.
 */
export const describeImageSupportInstanceTypes = defineRegionalOperation({
  action: 'DescribeImageSupportInstanceTypes',
  summary: 'The instance types an image visible to the caller can run on (the types of its CPU architecture).',
  params: {
    imageId: str('ImageId', { doc: 'A system image, the caller\'s own or one shared with it (InvalidImageId.NotFound). Absent (and no image filter): every type.' }),
    actionType: str('ActionType', { enum: { values: ACTION_TYPES, violation: notSupported('InvalidParameter') }, default: 'CreateEcs', doc: 'Checked; every scenario gets the same types.' }),
    filters: objects('Filter', { key: str('Key'), value: str('Value') }, { doc: 'Key imageId (or filter): the image, when ImageId is absent; other keys are ignored.' }),
  },
  async run({ app, scope, input }) {
    const fromFilter = input.filters.find((f) => IMAGE_KEYS.has((f.key ?? '').toLowerCase()) && f.value !== undefined)?.value;
    const imageId = input.imageId ?? fromFilter;
    const types = await imageSupportInstanceTypes(app, scope, imageId);
    return {
      RegionId: scope.regionId,
      ImageId: imageId ?? '',
      InstanceTypes: {
        InstanceType: types.map((t) => ({
          InstanceTypeId: t.instanceTypeId,
          InstanceTypeFamily: t.family,
          CpuCoreCount: t.cpuCoreCount,
          MemorySize: t.memorySizeGiB,
        })),
      },
    };
  },
});
