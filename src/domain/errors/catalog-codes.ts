import type { ErrorTable } from './spec.js';

/** Codes of the catalogs (DescribeInstanceTypes, DescribeImageSupportInstanceTypes). */
export const CATALOG_CODES = {
} as const satisfies ErrorTable;
