import { exportImage as runExport } from '../../app/export-image.js';
import { invalidParameter } from '../../domain/errors.js';
import { IMAGE_EXPORT_FORMATS, type ImageExportFormat } from '../../domain/image-export.js';
import { defineRegionalOperation } from './operation.js';
import { bool, notSupported, str, violation } from './spec/build.js';

const PREFIX = /^[A-Za-z0-9]{1,30}$/;

/**
 * ExportImage → `TaskId` (and `RegionId`). The disk is written by an ExportImage task
 * (DescribeTaskAttribute shows its progress; CancelTask stops it and leaves no object); its
 * result names the object and says the disk has no bootloader.
 */
export const exportImage = defineRegionalOperation({
  action: 'ExportImage',
  summary: 'Exports one of the caller\'s images as a disk (raw, vhd, qcow2, vmdk or vdi: a GPT with the root file system on ext4, no bootloader) to an OSS object, through an ExportImage task.',
  params: {
    imageId: str('ImageId', { required: true, doc: 'One of the caller\'s images (InvalidImageId.NotFound); a system image or one shared with the caller is ImageNotSupported, one not Available or Deprecated IncorrectImageStatus.' }),
    ossBucket: str('OSSBucket', { required: true, doc: 'Written through the account\'s OSS grant for RoleName: a bucket the grant does not name ends the task NoSetRoletoECSServiceAcount, a missing one InvalidOSSBucket.NotFound.' }),
    ossPrefix: str('OSSPrefix', {
      rule: { test: (v: string) => PREFIX.test(v), describe: '1 to 30 letters and digits', violation: violation('InvalidParameter', (c) => `The specified parameter OSSPrefix "${c.value}" is not valid: 1 to 30 letters and digits.`) },
      doc: 'The object is <OSSPrefix>_<ImageId>_system.<format> (<ImageId>_system.<format> without a prefix).',
    }),
    imageFormat: str('ImageFormat', {
      enum: { values: IMAGE_EXPORT_FORMATS, ignoreCase: true, violation: notSupported('InvalidImageFormat.Malformed', 'ImageFormat') },
      doc: 'raw (default), vhd, qcow2, vmdk or vdi, any case.',
    }),
    roleName: str('RoleName', { doc: 'Which of the account\'s OSS grants writes the object (default AliyunECSImageExportDefaultRole; README, "Per tenant").' }),
    dryRun: bool('DryRun', { doc: 'Checks the request only: DryRunOperation when it would be accepted.' }),
  },
  async run({ app, scope, input }) {
    if (input.ossBucket.includes('/')) throw invalidParameter('OSSBucket', 'a bucket name has no "/".');
    const { taskId } = await runExport(app, scope, {
      imageId: input.imageId, bucket: input.ossBucket,
      ...(input.ossPrefix ? { prefix: input.ossPrefix } : {}),
      ...(input.imageFormat ? { format: input.imageFormat.toLowerCase() as ImageExportFormat } : {}),
      ...(input.roleName ? { roleName: input.roleName } : {}),
      ...(input.dryRun ? { dryRun: true } : {}),
    });
    return { TaskId: taskId, RegionId: scope.regionId };
  },
});
