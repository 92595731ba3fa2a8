import { KilnError } from './errors.js';
import { checkDescription, checkResourceName } from './names.js';
import type { ComponentType, SystemType } from './component.js';
import { validateTags, type Tag } from './tag.js';

export const SYSTEM_TYPES: readonly SystemType[] = ['Linux', 'Windows'];
export const COMPONENT_TYPES: readonly ComponentType[] = ['Build', 'Test'];

/**
 * CreateImageComponent as read from the wire: each parameter already checked on its own
 * (enumerations, Content present), the rules below not yet applied.
 */
export interface ComponentRequest {
  name?: string;
  description?: string;
  systemType?: SystemType;
  componentType?: ComponentType;
  componentVersion?: string;
  content: string;
  tags: Tag[];
  resourceGroupId?: string;
}

export interface CheckedComponent extends Omit<ComponentRequest, 'systemType' | 'componentType'> {
  systemType: SystemType;
  componentType: ComponentType;
}

const VERSION = /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$/;
const VERSION_PATTERN = /^(\*|0|[1-9]\d{0,8})\.(\*|0|[1-9]\d{0,8})\.(\*|0|[1-9]\d{0,8})$/;

/** A component version `major.minor.patch` of non-negative integers. */
export function checkComponentVersion(version: string | undefined): [number, number, number] | undefined {
  if (version === undefined) return undefined;
  const m = VERSION.exec(version);
  if (!m) throw new KilnError('InvalidParameter.ComponentVersion', `The specified ComponentVersion "${version}" is not valid: use <major>.<minor>.<patch> with non-negative integers, e.g. 1.0.0.`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** A version filter for DescribeImageComponents: exact, or with exactly one `*` part. */
export function checkComponentVersionPattern(pattern: string | undefined): void {
  if (pattern === undefined) return;
  if (!VERSION_PATTERN.test(pattern) || pattern.split('*').length - 1 > 1) {
    throw new KilnError('InvalidParameter.ComponentVersion', `The specified ComponentVersion "${pattern}" is not valid: use <major>.<minor>.<patch>, where at most one part may be *.`);
  }
}

/** The version CreateImageComponent picks when none is given: the next major of that name. */
export function nextMajorVersion(existing: readonly string[]): string {
  const majors = existing.map((v) => Number(v.split('.')[0])).filter(Number.isFinite);
  return `${majors.length ? Math.max(...majors) + 1 : 1}.0.0`;
}

/** Checks every rule of CreateImageComponent that needs no lookup and applies the defaults. */
export function checkComponentRequest(req: ComponentRequest): CheckedComponent {
  checkResourceName(req.name);
  checkDescription(req.description);
  checkComponentVersion(req.componentVersion);
  validateTags(req.tags);
  return { ...req, systemType: req.systemType ?? 'Linux', componentType: req.componentType ?? 'Build' };
}
