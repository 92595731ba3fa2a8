import type { Image, ImageFeatures, ImageLicenseType, ImageOwnerAlias } from '../../domain/image.js';
import type { ImagesTable } from '../schema.js';
import { bool, list, num, object, oneOf, recordReader, str, tag } from './record-schema.js';

/**
 * How an account image is stored: `spec` holds the whole image as a versioned record, tags
 * included (images are not in the tags table). The share list is `image_shares`; the owner
 * alias is not stored: it is how the reader sees the image (`self` or `others`). A read selects
 * `spec` alone. The other columns (id, scope, name, family, creation time, manifest) exist for
 * the primary key, the scope's index, the name's uniqueness, the order of a list and the
 * storage queries on manifests: `imageToRow` writes them from the same record, on insert and on
 * update alike (one statement sets the record and its columns), so they never disagree with it.
 *
 * `registeredAt`, `licenseType` and `features` (issue 9) are optional fields of version 1: rows written before
 * them lack them and read as "not stated", and `UEFI-Preferred` only widens `bootMode`, so no
 * existing record changes meaning and the version stays 1.
 */
export type ImageRow = Pick<ImagesTable, 'id' | 'account_id' | 'region_id' | 'name' | 'family' | 'creation_time' | 'manifest_digest' | 'spec'>;

const OS_TYPES: readonly Image['osType'][] = ['linux', 'windows'];
const ARCHITECTURES: readonly Image['architecture'][] = ['x86_64', 'arm64'];
const BOOT_MODES: readonly Image['bootMode'][] = ['BIOS', 'UEFI', 'UEFI-Preferred'];
const LICENSE_TYPES: readonly ImageLicenseType[] = ['Auto', 'Aliyun', 'BYOL'];
const NVME_SUPPORT: readonly NonNullable<ImageFeatures['nvmeSupport']>[] = ['supported', 'unsupported'];
const IMDS_SUPPORT: readonly NonNullable<ImageFeatures['imdsSupport']>[] = ['v1', 'v2'];
const STATUSES: readonly Image['status'][] = ['Available', 'Creating', 'UnAvailable', 'CreateFailed', 'Waiting', 'Deprecated'];

/** Version 1 of an image's `spec` (migrations/0009_record_versions.ts wrote it for older rows). */
export interface ImageSpecV1 {
  v: 1;
  imageId: string;
  regionId: string;
  accountId: string;
  imageName: string;
  imageFamily?: string;
  description?: string;
  osType: Image['osType'];
  osName: string;
  osNameEn: string;
  platform: string;
  architecture: Image['architecture'];
  bootMode: Image['bootMode'];
  size: number;
  status: Image['status'];
  isSupportCloudinit: boolean;
  creationTime: string;
  registeredAt?: string;
  tags: Array<{ key: string; value: string }>;
  licenseType?: ImageLicenseType;
  features?: ImageFeatures;
  manifestDigest?: string;
  sourceExecutionId?: string;
  copiedFrom?: { imageId: string; regionId: string };
  aliasOf?: string;
}

const reader = recordReader<ImageSpecV1>('images', 1, 'imageId', object({
  v: { type: 'integer', const: 1 },
  imageId: str,
  regionId: str,
  accountId: str,
  imageName: str,
  osType: oneOf(OS_TYPES),
  osName: str,
  osNameEn: str,
  platform: str,
  architecture: oneOf(ARCHITECTURES),
  bootMode: oneOf(BOOT_MODES),
  size: num,
  status: oneOf(STATUSES),
  isSupportCloudinit: bool,
  creationTime: str,
  tags: list(tag),
}, {
  imageFamily: str,
  description: str,
  registeredAt: str,
  licenseType: oneOf(LICENSE_TYPES),
  features: object({}, { nvmeSupport: oneOf(NVME_SUPPORT), imdsSupport: oneOf(IMDS_SUPPORT) }),
  manifestDigest: str,
  sourceExecutionId: str,
  copiedFrom: object({ imageId: str, regionId: str }),
  aliasOf: str,
}));

/** The row for an image (its owner alias is not stored): its record, and the columns from it. */
export function imageToRow(image: Image): ImageRow {
  const spec: ImageSpecV1 = {
    v: 1,
    imageId: image.imageId,
    regionId: image.regionId,
    accountId: image.accountId,
    imageName: image.imageName,
    imageFamily: image.imageFamily,
    description: image.description,
    osType: image.osType,
    osName: image.osName,
    osNameEn: image.osNameEn,
    platform: image.platform,
    architecture: image.architecture,
    bootMode: image.bootMode,
    size: image.size,
    status: image.status,
    isSupportCloudinit: image.isSupportCloudinit,
    creationTime: image.creationTime,
    registeredAt: image.registeredAt,
    tags: image.tags.map((t) => ({ key: t.key, value: t.value })),
    licenseType: image.licenseType,
    features: image.features && featuresOf(image.features),
    manifestDigest: image.manifestDigest,
    sourceExecutionId: image.sourceExecutionId,
    copiedFrom: image.copiedFrom && { imageId: image.copiedFrom.imageId, regionId: image.copiedFrom.regionId },
    aliasOf: image.aliasOf,
  };
  return {
    id: spec.imageId,
    account_id: spec.accountId,
    region_id: spec.regionId,
    name: spec.imageName,
    family: spec.imageFamily ?? null,
    creation_time: spec.creationTime,
    manifest_digest: spec.manifestDigest ?? null,
    spec: JSON.stringify(spec),
  };
}

/**
 * The image of a row's `spec` as `alias` sees it (checked; `StoreRecordError` if it does not fit,
 * naming the row by `id` when the caller knows it, else by the record's id).
 */
export function imageFromSpec(spec: string, alias: ImageOwnerAlias, id?: string): Image {
  const s = reader.read(spec, id);
  const out: Image = {
    imageId: s.imageId,
    regionId: s.regionId,
    accountId: s.accountId,
    imageName: s.imageName,
    imageOwnerAlias: alias,
    osType: s.osType,
    osName: s.osName,
    osNameEn: s.osNameEn,
    platform: s.platform,
    architecture: s.architecture,
    bootMode: s.bootMode,
    size: s.size,
    status: s.status,
    isSupportCloudinit: s.isSupportCloudinit,
    creationTime: s.creationTime,
    tags: s.tags,
  };
  // The optional fields, set only when present (an entity has no key for an absent one).
  if (s.imageFamily !== undefined) out.imageFamily = s.imageFamily;
  if (s.description !== undefined) out.description = s.description;
  if (s.registeredAt !== undefined) out.registeredAt = s.registeredAt;
  if (s.licenseType !== undefined) out.licenseType = s.licenseType;
  if (s.features !== undefined) out.features = s.features;
  if (s.manifestDigest !== undefined) out.manifestDigest = s.manifestDigest;
  if (s.sourceExecutionId !== undefined) out.sourceExecutionId = s.sourceExecutionId;
  if (s.copiedFrom !== undefined) out.copiedFrom = s.copiedFrom;
  if (s.aliasOf !== undefined) out.aliasOf = s.aliasOf;
  return out;
}

/** Only the known feature fields, each when set (the record is closed). */
function featuresOf(f: ImageFeatures): ImageFeatures {
  const out: ImageFeatures = {};
  if (f.nvmeSupport !== undefined) out.nvmeSupport = f.nvmeSupport;
  if (f.imdsSupport !== undefined) out.imdsSupport = f.imdsSupport;
  return out;
}
