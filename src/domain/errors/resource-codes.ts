import { DOC, type ErrorTable } from './spec.js';

/**
 * Codes of account images (DescribeImages, DeleteImage, Modify/DescribeImageSharePermission,
 * CopyImage), of tags (TagResources, UntagResources, ListTagResources and the Tag.N
 * parameters of every operation) and of Kiln's account administration (`kiln accounts`).
 */
export const RESOURCE_CODES = {
  // ---- images ----
  'InvalidImage.NotFound': {
    status: 404, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'The base image (or image family) names no image visible to the account in the region.',
    execution: 'The base image was deleted or unshared before the build started.',
  },
  'InvalidImageId.NotFound': {
    status: 404, fault: 'client', doc: DOC.DELETE_IMAGE, meaning: 'The ImageId names no image the account holds in the region.',
    message: (p: { imageId: string }) => `The specified ImageId "${p.imageId}" does not exist in this account and region.`,
  },
  'InvalidImageName.Duplicated': {
    status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'The account already has an image of this name in the region.',
    execution: 'The image the build made (or an image it distributes or imports) has a name already taken in its region.',
  },
  InvalidUsage: { status: 400, fault: 'client', doc: DOC.DESCRIBE_IMAGES, meaning: 'The Usage filter is not an accepted value.' },
  'InvalidImageOwnerAlias.ValueNotSupported': { status: 400, fault: 'client', doc: DOC.DESCRIBE_IMAGES, meaning: 'An ImageOwnerAlias filter is not an accepted value.' },
  ImageUseShared: { status: 403, fault: 'client', doc: DOC.DELETE_IMAGE, meaning: 'The image is shared with other accounts and Force is not true.' },
  ImageIsImporting: { status: 403, fault: 'client', doc: DOC.DELETE_IMAGE, meaning: 'The image is being imported (Creating, its ImportImage task not ended): CancelTask cancels the import, which removes it.' },
  'InvalidParameter.IsPublic': {
    status: 403, fault: 'client', doc: DOC.MODIFY_IMAGE_SHARE_PERMISSION, meaning: 'IsPublic was given together with accounts to add or remove.',
    message: () => 'The specified parameter IsPublic is conflicted with other parameters: publish a community image and share it with accounts in separate requests.',
  },
  'CurrentRegion.NotSupportPublicImage': { status: 403, fault: 'client', doc: DOC.MODIFY_IMAGE_SHARE_PERMISSION, meaning: 'IsPublic=true: Kiln has no community images.' },
  'InvalidAccount.NotFound': { status: 404, fault: 'client', doc: DOC.MODIFY_IMAGE_SHARE_PERMISSION, meaning: 'An account to share with or unshare from does not exist.' },
  'InvalidAccount.Forbbiden': { status: 404, fault: 'client', doc: DOC.MODIFY_IMAGE_SHARE_PERMISSION, meaning: 'An image cannot be shared with its owner (sic: the documented spelling).' },
  'DestinationRegion.NotFound': { status: 400, fault: 'client', doc: DOC.COPY_IMAGE, meaning: 'DestinationRegionId is not one of this Kiln\'s regions (documented 400).' },
  IncorrectImageStatus: { status: 400, fault: 'client', doc: DOC.COPY_IMAGE, meaning: 'The image to copy, or to share with more accounts (ModifyImageSharePermission), is not Available (a Deprecated image included).' },
  'OperationDenied.SameRegionOnly': { status: 403, fault: 'client', doc: DOC.COPY_IMAGE, meaning: 'An image shared by another account can be copied only within its region.' },
  // ModifyImageAttribute (its other codes: InvalidImageName.*, InvalidDescription.Malformed,
  // InvalidImageFamily.Malformed, ImageUseShared, InvalidImageId.NotFound).
  'InvalidBootMode.NotSupport': {
    status: 400, fault: 'client', doc: DOC.MODIFY_IMAGE_ATTRIBUTE, meaning: 'BootMode is not BIOS, UEFI or UEFI-Preferred, or the image\'s architecture cannot boot that way (arm64: UEFI only).',
  },
  'InvalidLicenseType.NotSupported': { status: 400, fault: 'client', doc: DOC.MODIFY_IMAGE_ATTRIBUTE, meaning: 'LicenseType is not BYOL (the only value ModifyImageAttribute takes).' },
  'InvalidParameter.FeaturesImdsSupport': { status: 400, fault: 'client', doc: DOC.MODIFY_IMAGE_ATTRIBUTE, meaning: 'Features.ImdsSupport is not v1 or v2.' },
  'InvalidOperation.FeaturesImdsSupportNotMatch': { status: 403, fault: 'client', doc: DOC.MODIFY_IMAGE_ATTRIBUTE, meaning: 'Features.ImdsSupport cannot go back from v2 to v1.' },
  'ImageStatus.NotAvailable': { status: 403, fault: 'client', doc: DOC.MODIFY_IMAGE_ATTRIBUTE, meaning: 'Status=Deprecated for an image that is not Available (a failed or unavailable image).' },
  'ImageStatus.NotDeprecated': { status: 403, fault: 'client', doc: DOC.MODIFY_IMAGE_ATTRIBUTE, meaning: 'Status=Available for an image that is neither Deprecated nor Available (a failed or unavailable image).' },
  'InvalidStatus.ImageIsCreating': { status: 403, fault: 'client', doc: DOC.MODIFY_IMAGE_ATTRIBUTE, meaning: 'The image is still being created (Creating or Waiting: an import in progress).' },
  'InvalidImage.NotReady': {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'The base image has no root filesystem on this Kiln.',
    execution: 'The base image cannot be built from here: it was neither built nor imported on this Kiln, or its system image could not be made.',
  },
  'InvalidImage.UnsafeLayer': {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'An image archive (kiln images import) has a layer member Kiln will not write.',
    execution: 'A layer of the base image (or of an OSS import) has a member Kiln will not write.',
  },
  'InvalidImage.LayerTooLarge': {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'An image archive is larger than Kiln unpacks.',
    execution: 'A layer of the base image (or of an OSS import) is larger than Kiln unpacks.',
  },
  'InvalidImage.LayerUnreadable': {
    status: 400, fault: 'client', doc: DOC.KILN, meaning: 'A layer of the base image is not a tar archive or holds what Linux refuses.',
    execution: 'A layer of the base image is not a tar archive or holds what Linux refuses.',
  },

  // ---- tags ----
  InvalidTagCount: { status: 400, fault: 'client', doc: DOC.DESCRIBE_IMAGES, meaning: 'More Tag.N (or Tag filter) values than the 20 accepted.' },
  'Duplicate.TagKey': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'A tag key is given twice.' },
  'InvalidTagKey.Malformed': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'A tag key is empty, too long, starts with aliyun or acs:, or holds a URL.' },
  'InvalidTagValue.Malformed': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'A tag value is too long, starts with acs:, or holds a URL.' },
  'InvalidResourceType.NotFound': { status: 404, fault: 'client', doc: DOC.TAG_RESOURCES, meaning: 'ResourceType is not a type Kiln tags.' },
  'InvalidResourceId.ExceededMaxNumber': { status: 400, fault: 'client', doc: DOC.TAG_RESOURCES, meaning: 'Too many ResourceId values.' },
  'InvalidResourceId.NotFound': { status: 404, fault: 'client', doc: DOC.TAG_RESOURCES, meaning: 'A ResourceId names no resource of the type in the account and region.' },
  'InvalidTagKey.ExceededMaxNumber': { status: 400, fault: 'client', doc: DOC.UNTAG_RESOURCES, meaning: 'Too many TagKey values.' },

  // ---- account administration (kiln accounts) ----
  'InvalidAccountId.NotFound': { status: 404, fault: 'client', doc: DOC.KILN, meaning: 'kiln accounts: the account does not exist.' },
  'InvalidAccessKeyId.Duplicate': { status: 400, fault: 'client', doc: DOC.KILN, meaning: 'kiln accounts: an AccessKey with this id exists already.' },
} as const satisfies ErrorTable;
