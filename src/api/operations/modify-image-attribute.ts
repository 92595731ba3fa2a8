import { modifyImageAttribute as modify } from '../../app/image-attributes.js';
import { BOOT_MODES, IMDS_SUPPORT, MODIFIABLE_LICENSE_TYPES, MODIFIABLE_STATUSES, NVME_SUPPORT } from '../../domain/image-attributes.js';
import { defineRegionalOperation } from './operation.js';
import { invalidParameter } from '../../domain/errors.js';
import { notSupported, str, struct } from './spec/build.js';
import type { Violation } from './spec/param.js';

/** `InvalidParameter` for a value outside an enumeration the page names no code for. */
function invalidValue(label: string): Violation {
  return { error: (c) => invalidParameter(label, `"${c.value}" is not one of ${c.allowed.join(', ')}.`) };
}

/**
 * ModifyImageAttribute: the official page's parameters. `DryRun` is not a parameter of the
 * page (the SDK has it): Kiln does not read it, and the request is carried out.
 */
export const modifyImageAttribute = defineRegionalOperation({
  action: 'ModifyImageAttribute',
  summary: 'Changes the name, description, family, status (Available ⇄ Deprecated), boot mode, license type or features of one of the caller\'s images.',
  params: {
    imageId: str('ImageId', { required: true, doc: 'One of the caller\'s images in the region; a system image or one shared with the caller is InvalidImageId.NotFound.' }),
    imageName: str('ImageName', { doc: 'The image name rule (InvalidImageName.Malformed); free among the account\'s images in the region (InvalidImageName.Duplicated). Absent or empty: unchanged.' }),
    description: str('Description', { doc: '2–256 characters, not a URL (InvalidDescription.Malformed). Absent or empty: unchanged.' }),
    imageFamily: str('ImageFamily', { doc: 'The image family rule (InvalidImageFamily.Malformed). Absent or empty: unchanged.' }),
    status: str('Status', {
      enum: { values: MODIFIABLE_STATUSES, violation: invalidValue('Status') },
      doc: 'Deprecated: only from Available (ImageStatus.NotAvailable), and not while shared (ImageUseShared); the image leaves DescribeImageFromFamily and IMAGE_FAMILY builds. Available: only from Deprecated (ImageStatus.NotDeprecated).',
    }),
    bootMode: str('BootMode', {
      enum: { values: BOOT_MODES, violation: notSupported('InvalidBootMode.NotSupport', 'BootMode') },
      doc: 'Recorded and reported; an arm64 image takes UEFI only (InvalidBootMode.NotSupport).',
    }),
    licenseType: str('LicenseType', {
      enum: { values: MODIFIABLE_LICENSE_TYPES, violation: notSupported('InvalidLicenseType.NotSupported', 'LicenseType') },
      doc: 'Recorded and reported (DescribeImages LicenseType).',
    }),
    features: struct('Features', {
      nvmeSupport: str('NvmeSupport', { enum: { values: NVME_SUPPORT, violation: invalidValue('Features.NvmeSupport') }, doc: 'Reported as DescribeImages Features.NvmeSupport.' }),
      imdsSupport: str('ImdsSupport', {
        enum: { values: IMDS_SUPPORT, violation: notSupported('InvalidParameter.FeaturesImdsSupport', 'Features.ImdsSupport') },
        doc: 'Never back from v2 to v1 (InvalidOperation.FeaturesImdsSupportNotMatch).',
      }),
    }),
  },
  async run({ app, scope, input: { imageId, features, ...change } }) {
    await modify(app, scope, imageId, { ...change, ...features });
    return {};
  },
});
