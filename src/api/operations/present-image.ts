import type { ImageView } from '../../app/images.js';
import { presentTags } from './present-tags.js';

/** One image as DescribeImages (`Images.Image[]`) and DescribeImageFromFamily (`Image`) write it. */
export function presentImage({ image: i, selfShared }: ImageView): Record<string, unknown> {
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
    Progress: i.status === 'Available' ? '100%' : '0%',
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
    Features: { NvmeSupport: 'unsupported' },
    DiskDeviceMappings: { DiskDeviceMapping: [{ Device: '/dev/xvda', Size: String(i.size), Type: 'system', Format: '', ImportOSSBucket: '', ImportOSSObject: '' }] },
    Tags: presentTags(i.tags),
  };
}
