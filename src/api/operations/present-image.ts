import type { ImageView } from '../../app/images.js';
import { presentTags } from './present-tags.js';

/** One image as DescribeImages (`Images.Image[]`) and DescribeImageFromFamily (`Image`) write it. */
export function presentImage({ image: i, selfShared, progress }: ImageView): Record<string, unknown> {
  return {
    ImageId: i.imageId,
    ImageName: i.imageName,
    ImageFamily: i.imageFamily,
    ImageVersion: '',
    Description: i.description,
    ImageOwnerAlias: i.imageOwnerAlias,
    ImageOwnerId: Number(i.accountId),
    OSType: i.osType,
    OSName: i.osName,
    OSNameEn: i.osNameEn,
    Platform: i.platform,
    Architecture: i.architecture,
    BootMode: i.bootMode,
    Size: i.size,
    Status: i.status,
    // A Creating image shows its import task's progress (DescribeTaskAttribute's TaskProcess).
    Progress: i.status === 'Available' || i.status === 'Deprecated' ? '100%' : `${progress ?? 0}%`,
    CreationTime: i.creationTime,
    IsSupportCloudinit: i.isSupportCloudinit,
    IsSupportIoOptimized: true,
    IsSubscribed: false,
    IsCopied: i.copiedFrom !== undefined,
    IsSelfShared: i.imageOwnerAlias === 'self' ? String(selfShared) : '',
    IsPublic: i.imageOwnerAlias === 'system',
    Usage: 'none',
    ProductCode: '',
    LoginAsNonRootSupported: false,
    LicenseType: i.licenseType,
    // The image's own settings; absent ones are the defaults (see `ImageFeatures`).
    Features: { NvmeSupport: i.features?.nvmeSupport ?? 'unsupported', ImdsSupport: i.features?.imdsSupport ?? 'v1' },
    DiskDeviceMappings: { DiskDeviceMapping: [{ Device: '/dev/xvda', Size: String(i.size), Type: 'system', Format: '', ImportOSSBucket: '', ImportOSSObject: '' }] },
    Tags: presentTags(i.tags),
  };
}
