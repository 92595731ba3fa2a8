import { importImage as runImport } from '../../app/import-image.js';
import { invalidParameter } from '../../domain/errors.js';
import { parseDiskFormat } from '../../domain/disk-formats.js';
import { BOOT_MODES, IMDS_SUPPORT, NVME_SUPPORT } from '../../domain/image-attributes.js';
import { IMPORT_ARCHITECTURES, IMPORT_LICENSE_TYPES, IMPORT_OS_TYPES, IMPORT_PLATFORMS, MAX_DISK_DEVICE_MAPPINGS } from '../../domain/pipeline-rules.js';
import { defineRegionalOperation } from './operation.js';
import { bool, int, objects, str, struct, violation } from './spec/build.js';
import { clientToken, tags } from './spec/common.js';
import type { Violation } from './spec/param.js';

/** `InvalidParameter` for a value outside an enumeration the page names no code for. */
function invalidValue(label: string): Violation {
  return { error: (c) => invalidParameter(label, `"${c.value}" is not one of ${c.allowed.join(', ')}.`) };
}

const diskDeviceMapping = {
  ossBucket: str('OSSBucket', { doc: 'Required for N=1 (MissingParameter.DiskDeviceMapping.1.OSSBucket). Read through the account\'s OSS grant for RoleName.' }),
  ossObject: str('OSSObject', { doc: 'Required for N=1. A rootfs tarball, an OCI image layout archive (tar or tar.gz) or a disk image.' }),
  format: str('Format', {
    rule: { test: (v: string) => parseDiskFormat(v) !== undefined, describe: 'RAW, QCOW2, VHD, VMDK or VDI', violation: violation('InvalidParameter', (c) => `The specified parameter ${c.path} "${c.value}" is not valid: RAW, QCOW2, VHD, VMDK or VDI.`) },
    doc: 'RAW, QCOW2, VHD, VMDK or VDI (any case), checked against the object\'s magic (InvalidImage.FormatMismatch); absent: detected. Not given for an archive.',
  }),
  diskImageSize: int('DiskImageSize', { doc: 'Accepted and ignored (the size comes from the image).' }),
  diskImSize: int('DiskImSize', { doc: 'Accepted and ignored (an older name of DiskImageSize).' }),
  device: str('Device', { doc: 'Accepted and ignored.' }),
} as const;

/**
 * ImportImage → `ImageId`, `TaskId`. The image is listed at once in status Creating; the task
 * (DescribeTaskAttribute) makes it Available or removes it. Data disks (N ≥ 2),
 * `ResourceGroupId`, `DetectionStrategy` and `StorageLocationArn` are accepted and ignored.
 */
export const importImage = defineRegionalOperation({
  action: 'ImportImage',
  summary: 'Imports an OSS object (a rootfs tarball, an OCI image layout archive, or a RAW/QCOW2/VHD/VMDK/VDI disk image) as a new image of the caller, through an ImportImage task.',
  params: {
    diskDeviceMappings: objects('DiskDeviceMapping', diskDeviceMapping, {
      maxItems: { max: MAX_DISK_DEVICE_MAPPINGS, violation: violation('InvalidParameter', (c) => `At most ${MAX_DISK_DEVICE_MAPPINGS} DiskDeviceMapping can be specified; got ${c.value}.`) },
      doc: 'N=1 is the system disk, imported as the image; N=2..17 (data disks) are accepted and not imported.',
    }),
    imageName: str('ImageName', { doc: 'The image name rule (InvalidImageName.Malformed), free among the caller\'s images (InvalidImageName.Duplicated). Default import_<ImageId>.' }),
    description: str('Description', { doc: '2–256 characters, not a URL (InvalidDescription.Malformed).' }),
    architecture: str('Architecture', { enum: { values: IMPORT_ARCHITECTURES, violation: invalidValue('Architecture') }, doc: 'Recorded (default x86_64).' }),
    osType: str('OSType', { enum: { values: IMPORT_OS_TYPES, violation: invalidValue('OSType') }, doc: 'linux (default); windows is refused (InvalidImage.OsTypeUnsupported).' }),
    platform: str('Platform', { enum: { values: IMPORT_PLATFORMS, violation: invalidValue('Platform') }, doc: 'Recorded (default Others Linux).' }),
    bootMode: str('BootMode', { enum: { values: BOOT_MODES, violation: invalidValue('BootMode') }, doc: 'Recorded (default BIOS).' }),
    licenseType: str('LicenseType', { enum: { values: IMPORT_LICENSE_TYPES, violation: invalidValue('LicenseType') }, doc: 'Recorded (DescribeImages LicenseType).' }),
    features: struct('Features', {
      nvmeSupport: str('NvmeSupport', { enum: { values: NVME_SUPPORT, violation: invalidValue('Features.NvmeSupport') } }),
      imdsSupport: str('ImdsSupport', { enum: { values: IMDS_SUPPORT, violation: invalidValue('Features.ImdsSupport') } }),
    }),
    roleName: str('RoleName', { doc: 'Which of the account\'s OSS grants reads the object (default AliyunECSImageImportDefaultRole; README, "Per tenant").' }),
    tags: tags('Tag'),
    dryRun: bool('DryRun', { doc: 'Checks the request only: DryRunOperation when it would be accepted.' }),
    resourceGroupId: str('ResourceGroupId', { doc: 'Accepted and ignored.' }),
    detectionStrategy: str('DetectionStrategy', { doc: 'Accepted and ignored (Kiln runs no image check).' }),
    storageLocationArn: str('StorageLocationArn', { doc: 'Accepted and ignored.' }),
    clientToken,
  },
  async run({ app, scope, input: { clientToken, resourceGroupId: _g, detectionStrategy: _d, storageLocationArn: _s, ...request } }) {
    const { imageId, taskId } = await runImport(app, scope, request, clientToken);
    return { ImageId: imageId, TaskId: taskId, RegionId: scope.regionId };
  },
});
