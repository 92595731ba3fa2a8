import type { Tag } from './tag.js';

export type ImageOwnerAlias = 'system' | 'self' | 'others' | 'marketplace';

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
  bootMode: 'BIOS' | 'UEFI';
  /** GiB. */
  size: number;
  status: 'Available' | 'Creating' | 'UnAvailable' | 'CreateFailed' | 'Waiting' | 'Deprecated';
  isSupportCloudinit: boolean;
  creationTime: string;
  tags: Tag[];
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

/** What differs between account images; the rest are the defaults of a Linux x86_64 image. */
export type AccountImageFields =
  Pick<Image, 'imageId' | 'regionId' | 'accountId' | 'imageName' | 'imageFamily' | 'description' | 'size' | 'creationTime' | 'tags' | 'sourceExecutionId'>
  & Required<Pick<Image, 'manifestDigest'>>;

/** A new Linux x86_64 image owned by an account (built by an execution or imported), Available. */
export function newAccountImage(f: AccountImageFields): Image {
  const image: Image = {
    imageId: f.imageId,
    regionId: f.regionId,
    accountId: f.accountId,
    imageName: f.imageName,
    imageOwnerAlias: 'self',
    osType: 'linux',
    osName: 'Linux 64位',
    osNameEn: 'Linux 64 bit',
    platform: 'Others Linux',
    architecture: 'x86_64',
    bootMode: 'BIOS',
    size: f.size,
    status: 'Available',
    isSupportCloudinit: false,
    creationTime: f.creationTime,
    tags: f.tags,
    manifestDigest: f.manifestDigest,
  };
  if (f.imageFamily) image.imageFamily = f.imageFamily;
  if (f.description) image.description = f.description;
  if (f.sourceExecutionId) image.sourceExecutionId = f.sourceExecutionId;
  return image;
}
