import {
  IMPORT_ARCHITECTURES, IMPORT_BOOT_MODES, IMPORT_DISK_FORMATS, IMPORT_LICENSE_TYPES, IMPORT_NVME_VALUES, IMPORT_OS_TYPES, IMPORT_PLATFORMS,
  MAX_DISK_DEVICE_MAPPINGS,
} from '../../../domain/pipeline-rules.js';
import { bool, int, notAnInteger, notInList, objects, str, struct, violation } from '../spec/build.js';
import { tags } from '../spec/common.js';

/* CreateImagePipeline's `ImportImageOptions.*`: where an OSS-imported base image comes from. */

const OSS_BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const DISK_IMAGE_SIZE_MAX = 2048;

const diskDeviceMapping = {
  ossBucket: str('OSSBucket', {
    required: violation('MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket', (c) => `${c.path} is required.`),
    rule: {
      test: (v: string) => OSS_BUCKET.test(v),
      describe: '3 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen',
      violation: violation('InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket',
        (c) => `${c.path} "${c.value}" is not valid: 3 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen.`),
    },
  }),
  ossObject: str('OSSObject', {
    required: violation('MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSObject', (c) => `${c.path} is required.`),
    rule: {
      test: (v: string) => v.length <= 1023 && !/^https?:\/\//i.test(v),
      describe: 'at most 1023 characters, not a URL',
      violation: violation('InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSObject', (c) => `${c.path} is not valid: at most 1023 characters and not a URL.`),
    },
  }),
  format: str('Format', { enum: { values: IMPORT_DISK_FORMATS, violation: notInList('InvalidParameter.ImportImageOptionsDiskDeviceMappingsFormat') } }),
  diskImageSize: int('DiskImageSize', {
    type: notAnInteger('InvalidOperation.DiskImageSizeExceeded'),
    range: {
      min: 1,
      max: DISK_IMAGE_SIZE_MAX,
      violation: violation('InvalidOperation.DiskImageSizeExceeded', (c) => `${c.path} must be an integer from 1 to ${DISK_IMAGE_SIZE_MAX} (GiB).`),
    },
    doc: 'GiB.',
  }),
} as const;

export const importImageOptions = struct('ImportImageOptions', {
  diskDeviceMappings: objects('DiskDeviceMappings', diskDeviceMapping, {
    maxItems: {
      max: MAX_DISK_DEVICE_MAPPINGS,
      violation: violation('InvalidImportImageOptionsDiskDeviceMappings.LengthLimitExceeded',
        (c) => `At most ${MAX_DISK_DEVICE_MAPPINGS} ImportImageOptions.DiskDeviceMappings can be specified; got ${c.value}.`),
    },
    doc: 'At least the system disk (N=1) when BaseImageType is OSS (MissingParameter.ImageOptionsDiskDeviceMappings).',
  }),
  importImageTags: tags('ImportImageTags'),
  architecture: str('Architecture', { enum: { values: IMPORT_ARCHITECTURES, violation: notInList('InvalidParameter.ImportImageOptionsArchitecture') }, doc: 'Default x86_64.' }),
  osType: str('OSType', { enum: { values: IMPORT_OS_TYPES, violation: notInList('InvalidParameter.ImportImageOptionsOSType') }, doc: 'Default linux; windows is refused (ImagePipeline.NotSupportWindowsInstance).' }),
  platform: str('Platform', { enum: { values: IMPORT_PLATFORMS, violation: notInList('InvalidParameter.ImportImageOptionsPlatform') }, doc: 'Default Others Linux.' }),
  bootMode: str('BootMode', { enum: { values: IMPORT_BOOT_MODES, violation: notInList('InvalidParameter.ImportImageOptionsBootMode') }, doc: 'Default BIOS.' }),
  licenseType: str('LicenseType', { enum: { values: IMPORT_LICENSE_TYPES, violation: notInList('InvalidParameter.ImportImageOptionsLicenseType') }, doc: 'Default Auto.' }),
  retentionStrategy: str('RetentionStrategy'),
  roleName: str('RoleName'),
  imageName: str('ImageName', { doc: 'Follows the image name prefix rule (InvalidImageName.Malformed).' }),
  description: str('Description', { doc: '2–256 characters, not a URL (InvalidDescription.Malformed).' }),
  features: struct('Features', {
    nvmeSupport: str('NvmeSupport', {
      enum: { values: IMPORT_NVME_VALUES, violation: notInList('InvalidParameter.ImportImageOptionsFeaturesNvmeSupport') },
      default: 'unsupported',
    }),
    imdsSupport: str('ImdsSupport'),
  }),
  retainImportedImage: bool('RetainImportedImage'),
});
