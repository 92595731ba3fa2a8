import { KilnError, type ErrorCode } from '../errors.js';
import type { ContentKind } from './types.js';

/**
 * Every build-content error names the line it is about, so a user can find the problem
 * in a 16 KB blob they sent as one query parameter.
 */
export function lineError(code: ErrorCode, line: number, detail: string): KilnError {
  return new KilnError(code, `line ${line}: ${detail}`);
}

/**
 * The catch-all code for a content problem that has no dedicated code (COMPONENT syntax,
 * LABEL syntax, YAML schema, component parameters). The API documents one per field.
 */
export function contentParameterCode(kind: ContentKind): ErrorCode {
  switch (kind) {
    case 'build':
      return 'InvalidParameter.BuildContent';
    case 'test':
      return 'InvalidParameter.TestContent';
    case 'component':
      return 'InvalidParameter.Content';
  }
}

/** The documented "too long" code differs per field; TestContent has no dedicated one. */
export function lengthExceededCode(kind: ContentKind): ErrorCode {
  switch (kind) {
    case 'build':
      return 'InvalidBuildContent.LengthExceeded';
    case 'test':
      return 'InvalidParameter.TestContent';
    case 'component':
      return 'InvalidContent.LengthExceeded';
  }
}
