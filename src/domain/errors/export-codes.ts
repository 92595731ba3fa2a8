import type { ErrorTable } from './spec.js';

/** Codes of exporting images (ExportImage, `kiln images export`, `kiln images push`). */
export const EXPORT_CODES = {
} as const satisfies ErrorTable;
