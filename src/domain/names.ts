import { KilnError, type ErrorCode } from './errors.js';

/*
 * Name rules shared by templates, components and images. "Letter" includes Chinese
 * characters, as the newer docs say; names must not look like URLs.
 */
const LETTER = 'a-zA-Z\\u4e00-\\u9fa5';
const URL_PREFIX = /^https?:\/\//i;

function namePattern(maxLength: number): RegExp {
  return new RegExp(`^[${LETTER}][${LETTER}0-9:._-]{1,${maxLength - 1}}$`);
}

const RESOURCE_NAME = namePattern(128);
const IMAGE_NAME_PREFIX = namePattern(64);
const IMAGE_FAMILY = new RegExp(`^[${LETTER}][${LETTER}0-9:_-]{1,127}$`);

/** Template and component names: 2–128 chars, a letter first, then letters, digits, `:` `_` `.` `-`. */
export function checkResourceName(name: string | undefined): void {
  if (name === undefined) return;
  if (!RESOURCE_NAME.test(name) || URL_PREFIX.test(name)) {
    throw new KilnError('InvalidName.Malformed', `The specified Name "${name}" is malformed: it must be 2 to 128 characters, start with a letter, and contain only letters, digits, colons (:), underscores (_), periods (.) and hyphens (-).`);
  }
}

/** Descriptions: 2–256 chars, not starting with `http://` or `https://`. */
export function checkDescription(description: string | undefined, code: ErrorCode = 'InvalidDescription.Malformed', what = 'Description'): void {
  if (description === undefined) return;
  if (description.length < 2 || description.length > 256 || URL_PREFIX.test(description)) {
    throw new KilnError(code, `The specified ${what} is malformed: it must be 2 to 256 characters and must not start with http:// or https://.`);
  }
}

/** Image name prefixes: 2–64 chars, a letter first. */
export function checkImageNamePrefix(name: string | undefined, what = 'ImageName'): void {
  if (name === undefined) return;
  if (!IMAGE_NAME_PREFIX.test(name) || URL_PREFIX.test(name)) {
    throw new KilnError('InvalidImageName.Malformed', `The specified ${what} "${name}" is malformed: it must be 2 to 64 characters, start with a letter, and contain only letters, digits, colons (:), underscores (_), periods (.) and hyphens (-).`);
  }
}

/** Image families: 2–128 chars, a letter first, not `acs:`/`aliyun` prefixed, letters, digits, `:` `_` `-`. */
export function checkImageFamily(family: string | undefined, what = 'ImageFamily'): void {
  if (family === undefined) return;
  if (!IMAGE_FAMILY.test(family) || /^(acs:|aliyun)/i.test(family) || /https?:\/\//i.test(family)) {
    throw new KilnError('InvalidImageFamily.Malformed', `The specified ${what} "${family}" is malformed: it must be 2 to 128 characters, start with a letter, must not start with acs: or aliyun, and contain only letters, digits, colons (:), underscores (_) and hyphens (-).`);
  }
}
