import { KilnError } from './errors.js';
import type { Image, ImageBootMode, ImageFeatures, ImagePatch } from './image.js';
import { checkImageName } from './image-rules.js';
import { checkDescription, checkImageFamily } from './names.js';

/*
 * ModifyImageAttribute's rules: which attributes an owner may change, to what, and from which
 * status. The official page's codes: InvalidImageName.Malformed, InvalidDescription.Malformed,
 * InvalidImageFamily.Malformed, InvalidBootMode.NotSupport, InvalidLicenseType.NotSupported,
 * InvalidParameter.FeaturesImdsSupport (the wire spec's enumerations), ImageStatus.NotAvailable,
 * ImageStatus.NotDeprecated, ImageUseShared, InvalidOperation.FeaturesImdsSupportNotMatch and
 * InvalidStatus.ImageIsCreating (here).
 */

/** `Status` values ModifyImageAttribute sets. */
export const MODIFIABLE_STATUSES = ['Available', 'Deprecated'] as const;
/** `BootMode` values (UEFI-Preferred: UEFI first, BIOS as fallback). */
export const BOOT_MODES: readonly ImageBootMode[] = ['BIOS', 'UEFI', 'UEFI-Preferred'];
/** `LicenseType`: the page says "Set the value to BYOL". */
export const MODIFIABLE_LICENSE_TYPES = ['BYOL'] as const;
export const NVME_SUPPORT = ['supported', 'unsupported'] as const;
export const IMDS_SUPPORT = ['v1', 'v2'] as const;

/** What a ModifyImageAttribute request asks to change; an absent field stays as it is. */
export interface ImageAttributeChange {
  imageName?: string;
  description?: string;
  imageFamily?: string;
  status?: (typeof MODIFIABLE_STATUSES)[number];
  bootMode?: ImageBootMode;
  licenseType?: (typeof MODIFIABLE_LICENSE_TYPES)[number];
  nvmeSupport?: (typeof NVME_SUPPORT)[number];
  imdsSupport?: (typeof IMDS_SUPPORT)[number];
}

/** The formats of the request's texts, checked before any lookup (as the real service does). */
export function checkAttributeChange(change: ImageAttributeChange): void {
  checkImageName(change.imageName, 'ImageName');
  checkDescription(change.description);
  checkImageFamily(change.imageFamily);
}

/** Statuses of an image still being made (an import in progress): nothing of it may change yet. */
const BEING_CREATED: ReadonlyArray<Image['status']> = ['Creating', 'Waiting'];

/**
 * The patch that applies `change` to the owner's `image`, or the documented refusal.
 * `shared`: the image is shared with at least one account (it must be unshared before it is
 * deprecated). Deprecating a Deprecated image, or making an Available one Available, changes
 * nothing and is no error.
 */
export function attributePatch(image: Image, change: ImageAttributeChange, shared: boolean): ImagePatch {
  if (BEING_CREATED.includes(image.status)) {
    throw new KilnError('InvalidStatus.ImageIsCreating', `The operation cannot be performed because the image ${image.imageId} is creating. Please wait until the creation is complete and try again.`);
  }
  const patch: ImagePatch = {};
  if (change.status !== undefined && change.status !== image.status) {
    if (change.status === 'Deprecated') {
      if (image.status !== 'Available') throw new KilnError('ImageStatus.NotAvailable', `The specified image status is not available: ${image.imageId} is ${image.status}, and only an Available image can be deprecated.`);
      if (shared) throw new KilnError('ImageUseShared', `The specified image ${image.imageId} has been shared to others, please remove shared accounts first (ModifyImageSharePermission), then deprecate it.`);
    } else if (image.status !== 'Deprecated') {
      throw new KilnError('ImageStatus.NotDeprecated', `The specified image status is not deprecated: ${image.imageId} is ${image.status}, and only a Deprecated image can be made Available.`);
    }
    patch.status = change.status;
  }
  if (change.bootMode !== undefined) {
    if (image.architecture === 'arm64' && change.bootMode !== 'UEFI') {
      throw new KilnError('InvalidBootMode.NotSupport', `The specified parameter BootMode ${change.bootMode} is not supported for current image architecture: an arm64 image boots with UEFI only.`);
    }
    patch.bootMode = change.bootMode;
  }
  const features = nextFeatures(image.features, change);
  if (features) patch.features = features;
  if (change.imageName !== undefined) patch.imageName = change.imageName;
  if (change.description !== undefined) patch.description = change.description;
  if (change.imageFamily !== undefined) patch.imageFamily = change.imageFamily;
  if (change.licenseType !== undefined) patch.licenseType = change.licenseType;
  return patch;
}

/** The features after the change, undefined when the request names none. */
function nextFeatures(current: ImageFeatures | undefined, change: ImageAttributeChange): ImageFeatures | undefined {
  if (change.nvmeSupport === undefined && change.imdsSupport === undefined) return undefined;
  if (current?.imdsSupport === 'v2' && change.imdsSupport === 'v1') {
    throw new KilnError('InvalidOperation.FeaturesImdsSupportNotMatch', 'The specified parameter Features.ImdsSupport can not be set to v1 from v2: make a new image with v1 instead.');
  }
  const next: ImageFeatures = { ...current };
  if (change.nvmeSupport !== undefined) next.nvmeSupport = change.nvmeSupport;
  if (change.imdsSupport !== undefined) next.imdsSupport = change.imdsSupport;
  return next;
}
