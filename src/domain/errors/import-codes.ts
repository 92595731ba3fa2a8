import { DOC, type ErrorTable } from './spec.js';

/** Codes of importing images (ImportImage, disk images of `BaseImageType=OSS`, `kiln images import` and `pull`). */
export const IMPORT_CODES = {
  'InvalidImage.FormatUnknown': {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'The file to import is neither an image archive (rootfs tarball, OCI image layout archive) nor a disk image Kiln reads (RAW, QCOW2, VHD, VMDK, VDI).',
    execution: 'The OSS object of a BaseImageType=OSS import is not a format Kiln imports.',
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
