import { DOC, type ErrorTable } from './spec.js';

/** Codes of importing images (ImportImage, disk images of `BaseImageType=OSS`, `kiln images import` and `pull`). */
export const IMPORT_CODES = {
  // ---- ImportImage (the official page's codes) ----
  'DryRunOperation': { status: 400, fault: 'client', doc: DOC.IMPORT_IMAGE, meaning: 'DryRun=true: the request would have been accepted; nothing was done.' },
  'InvalidOSSBucket.NotFound': { status: 404, fault: 'client', doc: DOC.IMPORT_IMAGE, meaning: 'The OSS bucket of DiskDeviceMapping.N.OSSBucket does not exist (the import task ends Failed with it).' },
  'InvalidOSSObject.NotFound': { status: 404, fault: 'client', doc: DOC.IMPORT_IMAGE, meaning: 'The OSS object of DiskDeviceMapping.N.OSSObject does not exist (the import task ends Failed with it).' },
  'NoSetRoletoECSServiceAcount': {
    status: 400, fault: 'client', doc: DOC.IMPORT_IMAGE, meaning: 'The account (through RoleName, default AliyunECSImageImportDefaultRole) is not granted the OSS bucket (KILN_OSS_ACCOUNTS; the import task ends Failed with it).',
  },
  // ---- the file (Kiln's own: the official page names no code for what is in the file) ----
  'InvalidImage.FormatUnknown': {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'The file to import is neither an image archive (rootfs tarball, OCI image layout archive) nor a disk image Kiln reads (RAW, QCOW2, VHD, VMDK, VDI).',
    execution: 'The OSS object of a BaseImageType=OSS import is not a format Kiln imports.',
  },
  'InvalidImage.ArchiveCorrupt': {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'The archive cannot be read as a rootfs tarball or an OCI image layout archive: a truncated tar, a blob that does not match its digest, a manifest or config that is missing or malformed.',
  },
  'InvalidImage.FormatMismatch': {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'The disk image is not in the format its request declares (DiskDeviceMapping.N.Format).',
    execution: 'The OSS object of a BaseImageType=OSS import is not in the format the template declares.',
  },
  'InvalidImage.BackingFile': {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'The disk image reads other files (a backing file, an external data file, VMDK extents): Kiln imports self-contained disk images only.',
    execution: 'The disk image of a BaseImageType=OSS import names other files (a backing file or extents).',
  },
  'InvalidImage.DiskCorrupt': {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'The disk image is corrupt or truncated: its container, partition table or file system cannot be read.',
    execution: 'The disk image of a BaseImageType=OSS import is corrupt or truncated.',
  },
  'InvalidImage.DiskTooLarge': {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'The disk image\'s virtual size is larger than Kiln imports (64 GiB).',
    execution: 'The disk image of a BaseImageType=OSS import has a virtual size larger than Kiln imports.',
  },
  'InvalidImage.NoRootFilesystem': {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'The disk image has no ext2/3/4 or XFS file system with /etc or /usr at its top.',
    execution: 'The disk image of a BaseImageType=OSS import has no recognizable root file system.',
  },
} as const satisfies ErrorTable;
