import { request } from './http';

/** Which field's checks to run: CreateImagePipeline's BuildContent/TestContent, CreateImageComponent's Content. */
export type ContentKind = 'BuildContent' | 'TestContent' | 'Content';

/** One problem the server's parser found; `Line` is 1-based, or null when the message names no line. */
export interface ContentError {
  Line: number | null;
  Code: string;
  Message: string;
}

export interface ValidationResult {
  RequestId: string;
  Valid: boolean;
  Errors: ContentError[];
}

/**
 * Checks content as the create operation would (`POST /console/api/validate`): the server's
 * own parser and COMPONENT resolution against the account's components in the region, so the
 * browser holds no copy of the rules. Pass a signal to abandon a check the user has typed past.
 */
export function validateContent(regionId: string, kind: ContentKind, content: string, signal?: AbortSignal): Promise<ValidationResult> {
  return request<ValidationResult>('POST', '/validate', { RegionId: regionId, Kind: kind, Content: content }, signal);
}
