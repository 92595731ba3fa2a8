import type { ErrorTable } from './spec.js';

/** Codes of importing images (ImportImage, disk images of `BaseImageType=OSS`, `kiln images import` and `pull`). */
export const IMPORT_CODES = {
} as const satisfies ErrorTable;
