import { DOC, type ErrorTable } from './spec.js';

/** Codes of quotas: a count or size the account (or resource) may not exceed. */
export const QUOTA_CODES = {
  'QuotaExceed.ImagePipeline': {
    status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'The account has as many templates in the region as its quota allows (KILN_PIPELINE_QUOTA).',
    message: (p: { regionId: string; quota: number }) => `The quota of image templates in region ${p.regionId} (${p.quota}) is used up.`,
  },
  'QuotaExceed.ImageComponent': {
    status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_COMPONENT, meaning: 'The account has as many components in the region as its quota allows (KILN_COMPONENT_QUOTA).',
    message: (p: { regionId: string; quota: number }) => `The quota of image components in region ${p.regionId} (${p.quota}) is used up.`,
  },
  'QuotaExceed.ShareImageUser': { status: 403, fault: 'client', doc: DOC.MODIFY_IMAGE_SHARE_PERMISSION, meaning: 'The image would be shared with more accounts than allowed.' },
  'QuotaExceed.TagNum': { status: 400, fault: 'client', doc: DOC.TAG_RESOURCES, meaning: 'A resource would carry more than 20 tags.' },
  // ECS has no byte quota; 403 as its other QuotaExceed.* image codes.
  'QuotaExceed.ImageStorage': {
    status: 403, fault: 'client', doc: DOC.KILN, meaning: 'The account\'s images would hold more layer bytes than its image storage quota (KILN_ACCOUNT_IMAGE_BYTES_QUOTA).',
    execution: 'The image the build makes (its base, a step\'s layer, or the whole image) would put the account over its image storage quota.',
  },
} as const satisfies ErrorTable;
