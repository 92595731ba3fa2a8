import { ApiError } from '../../../api/errors';
import { type TagPair, tagParams } from '../../../components/tag-editor';

/** One `ImportImageOptions.DiskDeviceMappings.N` row. */
export interface DiskMapping {
  OSSBucket: string;
  OSSObject: string;
  Format: string;
  DiskImageSize: string;
}

/**
 * The create-template form: scalar parameters by their wire name (`ImageOptions.ImageName`),
 * lists apart (they become `ToRegionId.1`, `Tag.1.Key`… when sent).
 */
export interface TemplateForm {
  fields: Record<string, string>;
  tags: TagPair[];
  imageTags: TagPair[];
  importTags: TagPair[];
  regions: string[];
  accounts: string[];
  repairItems: string[];
  disks: DiskMapping[];
}

export function emptyForm(): TemplateForm {
  return {
    fields: { BaseImageType: 'IMAGE', ClientToken: crypto.randomUUID() },
    tags: [],
    imageTags: [],
    importTags: [],
    regions: [],
    accounts: [],
    repairItems: [],
    disks: [{ OSSBucket: '', OSSObject: '', Format: '', DiskImageSize: '' }],
  };
}

/** The list parameters' wire prefixes, for matching an error to its field. */
export const LIST_FIELDS = ['ToRegionId', 'AddAccount', 'Tag', 'RepairItem', 'ImageOptions.ImageTags', 'ImportImageOptions.DiskDeviceMappings', 'ImportImageOptions.ImportImageTags'];

/** The flat wire parameters of the form (blank fields left out; import options only for OSS). */
export function toParams(regionId: string, f: TemplateForm): Record<string, string> {
  const oss = f.fields.BaseImageType === 'OSS';
  const out: Record<string, string> = { RegionId: regionId };
  for (const [k, v] of Object.entries(f.fields)) {
    if (v.trim() === '' || (!oss && k.startsWith('ImportImageOptions.'))) continue;
    out[k] = k === 'BuildContent' || k === 'TestContent' ? v : v.trim();
  }
  if (oss) delete out.BaseImage;
  f.regions.forEach((r, i) => { out[`ToRegionId.${i + 1}`] = r; });
  f.accounts.forEach((a, i) => { out[`AddAccount.${i + 1}`] = a; });
  f.repairItems.forEach((r, i) => { out[`RepairItem.${i + 1}`] = r; });
  Object.assign(out, tagParams('Tag', f.tags), tagParams('ImageOptions.ImageTags', f.imageTags));
  if (oss) {
    Object.assign(out, tagParams('ImportImageOptions.ImportImageTags', f.importTags));
    let n = 0;
    for (const d of f.disks) {
      if (Object.values(d).every((v) => v.trim() === '')) continue;
      n++;
      for (const [k, v] of Object.entries(d)) if (v.trim() !== '') out[`ImportImageOptions.DiskDeviceMappings.${n}.${k}`] = v.trim();
    }
  }
  return out;
}

const squash = (s: string) => s.replace(/\.\d+/g, '').replace(/\./g, '').toLowerCase();

/**
 * The form field a server error is about, when it names one: first by its code
 * (`InvalidSystemDiskSize.NotSupportedValue`, `MissingParameter.BaseImage`,
 * `InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket`), then by a parameter
 * named in its message. Undefined: the error is shown in the banner only.
 */
export function fieldOfError(err: unknown, names: readonly string[]): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  const [head = '', tail = ''] = err.code.split('.');
  const generic = /^(InvalidParameter|MissingParameter|InvalidParam)$/.test(head);
  const subject = squash(generic ? tail : head.replace(/^Invalid/, '').replace(/Size$/, ''));
  const all = [...names, ...LIST_FIELDS].sort((a, b) => b.length - a.length);
  const exact = all.find((n) => squash(n) === subject);
  const mentioned = all.find((n) => new RegExp(`(^|[^A-Za-z.])${n.replace(/\./g, '\\.')}(\\.\\d+)?([^A-Za-z]|$)`).test(err.message));
  // "ImageOptions.ImageName" named in an InvalidImageName message is the more precise field.
  if (exact && mentioned) return squash(mentioned).endsWith(squash(exact)) ? mentioned : exact;
  if (exact || mentioned) return exact ?? mentioned;
  return subject.length > 3 ? all.find((n) => subject.startsWith(squash(n)) || squash(n).endsWith(subject)) : undefined;
}
