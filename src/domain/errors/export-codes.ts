import { DOC, type ErrorTable } from './spec.js';

/** Codes of exporting images (ExportImage, `kiln images export`, `kiln images push`). */
export const EXPORT_CODES = {
  // ---- ExportImage (the official page's codes) ----
  'InvalidImageFormat.Malformed': { status: 400, fault: 'client', doc: DOC.EXPORT_IMAGE, meaning: 'ImageFormat is not one of raw, vhd, qcow2, vmdk, vdi.' },
  ImageNotSupported: {
    status: 403, fault: 'client', doc: DOC.EXPORT_IMAGE,
    meaning: 'The image is not a custom image the caller may export: a system image (or an alias of one) made by Kiln, an image shared with the caller (ExportImage: owners only), or an image with no content in Kiln.',
  },
  ExportImageFailed: {
    status: 403, fault: 'client', doc: DOC.EXPORT_IMAGE,
    meaning: 'The export could not be written (the image\'s content could not be read or made into a disk); the export task ends Failed with it and no object is written.',
  },
} as const satisfies ErrorTable;
