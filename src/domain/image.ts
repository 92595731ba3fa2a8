import type { Tag } from './tag.js';

export type ImageOwnerAlias = 'system' | 'self' | 'others' | 'marketplace';

/** How an instance of the image boots; `UEFI-Preferred` is the dual mode (UEFI first, BIOS as fallback). */
export type ImageBootMode = 'BIOS' | 'UEFI' | 'UEFI-Preferred';

/** How the operating system of an imported image is licensed (ImportImage and ModifyImageAttribute `LicenseType`). */
export type ImageLicenseType = 'Auto' | 'Aliyun' | 'BYOL';

/**
 * The image's feature attributes (`Features` of ModifyImageAttribute and DescribeImages). An
 * absent field is the default: `nvmeSupport` `unsupported`, `imdsSupport` `v1`.
 */
export interface ImageFeatures {
  nvmeSupport?: 'supported' | 'unsupported';
  imdsSupport?: 'v1' | 'v2';
}

/**
 * An image a build can start from or produce. System images (owner alias `system`) ship with
 * Kiln and exist in every region; their root filesystems are made on first use.
 */
export interface Image {
  imageId: string;
  regionId: string;
  /** Owning account; system images use `SYSTEM_ACCOUNT_ID`. */
  accountId: string;
  imageName: string;
  imageFamily?: string;
  description?: string;
  imageOwnerAlias: ImageOwnerAlias;
  osType: 'linux' | 'windows';
  osName: string;
  osNameEn: string;
  platform: string;
  architecture: 'x86_64' | 'arm64';
  bootMode: ImageBootMode;
  /** GiB. */
  size: number;
  status: 'Available' | 'Creating' | 'UnAvailable' | 'CreateFailed' | 'Waiting' | 'Deprecated';
  isSupportCloudinit: boolean;
  creationTime: string;
  /**
   * When Kiln registered the image, to the millisecond (ISO-8601): orders images whose
   * `creationTime` (whole seconds) is the same, as a family's newest. Absent on images
   * registered before it existed, which then count as older.
   */
  registeredAt?: string;
  tags: Tag[];
  /** Set by ImportImage or ModifyImageAttribute; absent: not stated. */
  licenseType?: ImageLicenseType;
  /** Set by ModifyImageAttribute (and ImportImage); absent: every default. */
  features?: ImageFeatures;
  /** Built and imported images: the OCI manifest in the blob store (`sha256:…`). */
  manifestDigest?: string;
  /** The execution that built it, if any. */
  sourceExecutionId?: string;
  /** Set on images made by CopyImage: the image it was copied from (`IsCopied`). */
  copiedFrom?: { imageId: string; regionId: string };
  /**
   * Set when this is an alias (an image id matched by a configured `imageAliases` pattern): the
   * id of the image it stands for. `imageId` is then the id that was asked for.
   */
  aliasOf?: string;
}

/**
 * What `ImageRepository.update` may change of an image. An absent key leaves the field as it is;
 * `null` removes an optional field (`imageFamily`, `description`, `licenseType`, `features`).
 * The id, owner, region and creation time never change.
 */
export interface ImagePatch {
  imageName?: string;
  imageFamily?: string | null;
  description?: string | null;
  status?: Image['status'];
  bootMode?: ImageBootMode;
  licenseType?: ImageLicenseType | null;
  features?: ImageFeatures | null;
  osType?: Image['osType'];
  osName?: string;
  osNameEn?: string;
  platform?: string;
  architecture?: Image['architecture'];
  isSupportCloudinit?: boolean;
  /** GiB. */
  size?: number;
  tags?: Tag[];
  manifestDigest?: string;
}

const PATCHABLE: ReadonlyArray<keyof ImagePatch> = [
  'imageName', 'imageFamily', 'description', 'status', 'bootMode', 'licenseType', 'features', 'osType',
  'osName', 'osNameEn', 'platform', 'architecture', 'isSupportCloudinit', 'size', 'tags', 'manifestDigest',
];

/** The image with `patch` applied (a new object; `image` is not changed). Keys outside `ImagePatch` are ignored. */
export function patchImage(image: Image, patch: ImagePatch): Image {
  const out: Image = { ...image };
  const target = out as unknown as Record<string, unknown>;
  for (const key of PATCHABLE) {
    const value = patch[key];
    if (value === undefined) continue;
    if (value === null) delete target[key];
    else target[key] = value;
  }
  return out;
}

/** What differs between account images; the rest are the defaults of a Linux x86_64 image. */
export type AccountImageFields =
  Pick<Image, 'imageId' | 'regionId' | 'accountId' | 'imageName' | 'imageFamily' | 'description' | 'size' | 'creationTime' | 'tags' | 'sourceExecutionId' | 'features'>
  & Required<Pick<Image, 'manifestDigest'>>
  /** What kind of machine image it is, when known (a build's base says); else a Linux x86_64 BIOS image. */
  & Partial<Pick<Image, 'osType' | 'osName' | 'osNameEn' | 'platform' | 'architecture' | 'bootMode' | 'isSupportCloudinit'>>;

/** A new Linux x86_64 image owned by an account (built by an execution or imported), Available. */
export function newAccountImage(f: AccountImageFields): Image {
  const image: Image = {
    imageId: f.imageId,
    regionId: f.regionId,
    accountId: f.accountId,
    imageName: f.imageName,
    imageOwnerAlias: 'self',
    osType: f.osType ?? 'linux',
    osName: f.osName ?? 'Linux 64位',
    osNameEn: f.osNameEn ?? 'Linux 64 bit',
    platform: f.platform ?? 'Others Linux',
    architecture: f.architecture ?? 'x86_64',
    bootMode: f.bootMode ?? 'BIOS',
    size: f.size,
    status: 'Available',
    isSupportCloudinit: f.isSupportCloudinit ?? false,
    creationTime: f.creationTime,
    registeredAt: new Date().toISOString(),
    tags: f.tags,
    manifestDigest: f.manifestDigest,
  };
  if (f.imageFamily) image.imageFamily = f.imageFamily;
  if (f.description) image.description = f.description;
  if (f.sourceExecutionId) image.sourceExecutionId = f.sourceExecutionId;
  if (f.features) image.features = { ...f.features };
  return image;
}
