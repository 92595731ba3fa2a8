import type { Image, ImageOwnerAlias } from '../../domain/image.js';
import type { ImagesTable } from '../schema.js';
import { bool, copyPresent, list, num, object, oneOf, rowReader, type SameTypedKeys, str, strOrNull, tag } from './record-schema.js';

/**
 * How an account image is stored: the `images` columns own the id, scope, name, family,
 * creation time and manifest; `spec` holds the rest as a versioned record, tags included
 * (images are not in the tags table). The share list is `image_shares`; the owner alias is
 * not stored: it is how the reader sees the image (`self` or `others`).
 */
export type ImageRow = Pick<ImagesTable, 'id' | 'account_id' | 'region_id' | 'name' | 'family' | 'creation_time' | 'manifest_digest' | 'spec'>;

const OS_TYPES: readonly Image['osType'][] = ['linux', 'windows'];
const ARCHITECTURES: readonly Image['architecture'][] = ['x86_64', 'arm64'];
const BOOT_MODES: readonly Image['bootMode'][] = ['BIOS', 'UEFI'];
const STATUSES: readonly Image['status'][] = ['Available', 'Creating', 'UnAvailable', 'CreateFailed', 'Waiting', 'Deprecated'];

/** Version 1 of an image's `spec` (migrations/0009_record_versions.ts wrote it for older rows). */
export interface ImageSpecV1 {
  v: 1;
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
  tags: Array<{ key: string; value: string }>;
  sourceExecutionId?: string;
  copiedFrom?: { imageId: string; regionId: string };
  aliasOf?: string;
}

const reader = rowReader<ImageRow, ImageSpecV1>('images', 1, {
  id: str,
  account_id: str,
  region_id: str,
  name: str,
  family: strOrNull,
  creation_time: str,
  manifest_digest: strOrNull,
}, object({
  v: { type: 'integer', const: 1 },
  osType: oneOf(OS_TYPES),
  osName: str,
  osNameEn: str,
  platform: str,
  architecture: oneOf(ARCHITECTURES),
  bootMode: oneOf(BOOT_MODES),
  size: num,
  status: oneOf(STATUSES),
  isSupportCloudinit: bool,
  tags: list(tag),
}, {
  description: str,
  sourceExecutionId: str,
  copiedFrom: object({ imageId: str, regionId: str }),
  aliasOf: str,
}));

/** The columns a read selects (unqualified; see `IMAGE_COLUMNS_OF_IMAGES` for joins). */
export const IMAGE_COLUMNS = reader.columns;
/** The same columns qualified with the table, for queries that join `images`. */
export const IMAGE_COLUMNS_OF_IMAGES = IMAGE_COLUMNS.map((c) => `images.${c}` as const);

/** The optional fields, copied from the record only when present. */
const OPTIONAL = ['description', 'sourceExecutionId', 'copiedFrom', 'aliasOf'] as const satisfies readonly SameTypedKeys<ImageSpecV1, Image>[];

/** The row for an image (its owner alias is not stored). */
export function imageToRow(image: Image): ImageRow {
  const spec: ImageSpecV1 = {
    v: 1,
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
    tags: image.tags.map((t) => ({ key: t.key, value: t.value })),
    sourceExecutionId: image.sourceExecutionId,
    copiedFrom: image.copiedFrom && { imageId: image.copiedFrom.imageId, regionId: image.copiedFrom.regionId },
    aliasOf: image.aliasOf,
  };
  return {
    id: image.imageId,
    account_id: image.accountId,
    region_id: image.regionId,
    name: image.imageName,
    family: image.imageFamily ?? null,
    creation_time: image.creationTime,
    manifest_digest: image.manifestDigest ?? null,
    spec: JSON.stringify(spec),
  };
}

/** The image of a row (checked; `StoreRecordError` if it does not fit), as `alias` sees it. */
export function imageFromRow(row: ImageRow, alias: ImageOwnerAlias): Image {
  const { spec: s, ...c } = reader.read(row);
  const out: Image = {
    imageId: c.id,
    regionId: c.region_id,
    accountId: c.account_id,
    imageName: c.name,
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
    creationTime: c.creation_time,
    tags: s.tags,
  };
  if (c.family !== null) out.imageFamily = c.family;
  if (c.manifest_digest !== null) out.manifestDigest = c.manifest_digest;
  return copyPresent(s, out, OPTIONAL);
}
