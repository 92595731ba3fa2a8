import { createPipeline } from '../../app/pipelines.js';
import { BASE_IMAGE_TYPES } from '../../domain/pipeline.js';
import type { PipelineRequest } from '../../domain/pipeline-rules.js';
import {
  BANDWIDTH_MAX, LINUX_REPAIR_ITEMS, MAX_SHARED_ACCOUNTS, MAX_TARGET_REGIONS, NVME_VALUES, REPAIR_MODES, SYSTEM_DISK_DEFAULT, SYSTEM_DISK_MAX,
  SYSTEM_DISK_MIN, WINDOWS_REPAIR_ITEMS,
} from '../../domain/pipeline-rules.js';
import { advancedOptions, imageOptions } from './create-image-pipeline/image-options.js';
import { importImageOptions } from './create-image-pipeline/import-image-options.js';
import { defineRegionalOperation } from './operation.js';
import { bool, int, list, notAnInteger, notInList, notSupported, str, violation } from './spec/build.js';
import { clientToken, tags } from './spec/common.js';
import { readInput, type RawParams } from './spec/read.js';

const REPAIR_ITEMS = [...new Set<string>([...LINUX_REPAIR_ITEMS, ...WINDOWS_REPAIR_ITEMS])];

/** CreateImagePipeline's parameters, in the order they are checked. */
const params = {
  baseImageType: str('BaseImageType', { required: true, enum: { values: BASE_IMAGE_TYPES, violation: notSupported('InvalidBaseImageType.NotSupportedValue') } }),
  baseImage: str('BaseImage', { doc: 'Required unless BaseImageType is OSS (MissingParameter.BaseImage).' }),
  name: str('Name', { doc: 'Follows the name rule (InvalidName.Malformed); default: the template id.' }),
  description: str('Description', { doc: '2–256 characters, not a URL (InvalidDescription.Malformed).' }),
  imageName: str('ImageName', { doc: 'Deprecated form of ImageOptions.ImageName (InvalidImageName.Malformed).' }),
  imageFamily: str('ImageFamily', { doc: 'Deprecated form of ImageOptions.ImageFamily (InvalidImageFamily.Malformed).' }),
  nvmeSupport: str('NvmeSupport', { enum: { values: NVME_VALUES, violation: notInList('InvalidParameter.NvmeSupport') } }),
  systemDiskSize: int('SystemDiskSize', {
    type: notAnInteger('InvalidSystemDiskSize.NotSupportedValue'),
    range: {
      min: SYSTEM_DISK_MIN,
      max: SYSTEM_DISK_MAX,
      violation: violation('InvalidSystemDiskSize.NotSupportedValue',
        (c) => `The specified SystemDiskSize ${c.value} is not supported: it must be an integer from ${SYSTEM_DISK_MIN} to ${SYSTEM_DISK_MAX} (GiB).`),
    },
    doc: `GiB; default ${SYSTEM_DISK_DEFAULT}.`,
  }),
  internetMaxBandwidthOut: int('InternetMaxBandwidthOut', {
    type: notAnInteger('InvalidInternetMaxBandwidthOut.NotSupportedValue'),
    range: {
      min: 0,
      max: BANDWIDTH_MAX,
      violation: violation('InvalidInternetMaxBandwidthOut.NotSupportedValue',
        (c) => `The specified InternetMaxBandwidthOut ${c.value} is not supported: it must be an integer from 0 to ${BANDWIDTH_MAX} (Mbit/s).`),
    },
    doc: 'Mbit/s; default 0.',
  }),
  toRegionIds: list('ToRegionId', str('ToRegionId'), {
    maxItems: {
      max: MAX_TARGET_REGIONS,
      violation: violation('InvalidToRegionIdSize.ExceededMaxNumber', (c) => `At most ${MAX_TARGET_REGIONS} ToRegionId values can be specified; got ${c.value}.`),
    },
    doc: 'Each must be one of this Kiln\'s regions (InvalidRegionId.NotFound).',
  }),
  addAccounts: list('AddAccount', str('AddAccount', {
    rule: {
      test: (v: string) => /^\d{1,20}$/.test(v),
      describe: 'a numeric account ID',
      violation: violation('InvalidParameter', (c) => `The specified parameter ${c.path} "${c.value}" is not valid: it must be a numeric account ID.`),
    },
  }), {
    maxItems: {
      max: MAX_SHARED_ACCOUNTS,
      violation: violation('InvalidAddAccountSize.ExceededMaxNumber', (c) => `At most ${MAX_SHARED_ACCOUNTS} AddAccount values can be specified; got ${c.value}.`),
    },
  }),
  tags: tags('Tag'),
  repairMode: str('RepairMode', {
    enum: { values: REPAIR_MODES, violation: notInList('InvalidParameter.RepairMode') },
    doc: 'Required when RepairItem.N is given (MissingParameter.RepairMode).',
  }),
  repairItems: list('RepairItem', str('RepairItem', { enum: { values: REPAIR_ITEMS, violation: notInList('InvalidParameter.RepairMode', 'RepairItem') } })),
  imageOptions,
  advancedOptions,
  importImageOptions,
  buildContent: str('BuildContent', { doc: 'Dockerfile-style build commands (InvalidParameter.BuildContent).' }),
  testContent: str('TestContent', { doc: 'Test commands (InvalidParameter.TestContent).' }),
  vSwitchId: str('VSwitchId'),
  instanceType: str('InstanceType'),
  resourceGroupId: str('ResourceGroupId'),
  deleteInstanceOnFailure: bool('DeleteInstanceOnFailure', { doc: 'Default true.' }),
  clientToken,
} as const;

/** The template request of a CreateImagePipeline parameter map (read and checked parameter by parameter). */
export function readPipelineRequest(raw: RawParams): PipelineRequest {
  const { clientToken: _token, ...request } = readInput(params, raw);
  return request;
}

export const createImagePipeline = defineRegionalOperation({
  action: 'CreateImagePipeline',
  summary: 'A new image template (immutable). Rules that span parameters (BaseImage for IMAGE/IMAGE_FAMILY, ImportImageOptions only for OSS, RepairMode with RepairItem) and lookups are the domain\'s and the app\'s.',
  params,
  async run({ app, scope, input: { clientToken, ...request } }) {
    const { imagePipelineId } = await createPipeline(app, scope, request, clientToken);
    return { ImagePipelineId: imagePipelineId };
  },
});
