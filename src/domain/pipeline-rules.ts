import { KilnError, missingParameter } from './errors.js';
import { checkDescription, checkEnum, checkImageFamily, checkImageNamePrefix, checkResourceName } from './names.js';
import type { AdvancedOptions, BaseImageType, ImageOptions, ImagePipeline, ImportImageOptions } from './pipeline.js';
import { BASE_IMAGE_TYPES } from './pipeline.js';
import { validateTags, type Tag } from './tag.js';

/**
 * What a caller asks for in CreateImagePipeline, already decoded from the wire but not yet
 * checked. Enumerations stay strings here: checking them is the domain's job.
 */
export interface PipelineRequest {
  name?: string;
  description?: string;
  baseImageType?: string;
  baseImage?: string;
  buildContent?: string;
  testContent?: string;
  imageName?: string;
  imageFamily?: string;
  nvmeSupport?: string;
  vSwitchId?: string;
  instanceType?: string;
  systemDiskSize?: number;
  internetMaxBandwidthOut?: number;
  deleteInstanceOnFailure?: boolean;
  toRegionIds: string[];
  addAccounts: string[];
  tags: Tag[];
  resourceGroupId?: string;
  repairMode?: string;
  repairItems: string[];
  imageOptions?: ImageOptions;
  importImageOptions?: Partial<ImportImageOptions> & { diskDeviceMappings: ImportImageOptions['diskDeviceMappings'] };
  advancedOptions?: AdvancedOptions;
}

export const SYSTEM_DISK_MIN = 20;
export const SYSTEM_DISK_MAX = 500;
export const SYSTEM_DISK_DEFAULT = 40;
export const BANDWIDTH_MAX = 100;
export const MAX_TARGET_REGIONS = 20;
export const MAX_SHARED_ACCOUNTS = 20;
export const MAX_DISK_DEVICE_MAPPINGS = 17;

export const NVME_VALUES = ['supported', 'unsupported', 'auto'] as const;
export const REPAIR_MODES = ['Standard'] as const;
export const LINUX_REPAIR_ITEMS = ['GUESTOS.CloudInit', 'GUESTOS.Dhcp', 'GUESTOS.Virtio', 'GUESTOS.OnlineResizeFS', 'GUESTOS.Grub', 'GUESTOS.Fstab'] as const;
export const WINDOWS_REPAIR_ITEMS = ['GUESTOS.Virtio', 'GUESTOS.Update', 'GUESTOS.Hotfix', 'GUESTOS.Server'] as const;

export const IMPORT_ARCHITECTURES = ['x86_64', 'arm64'] as const;
export const IMPORT_OS_TYPES = ['linux', 'windows'] as const;
export const IMPORT_BOOT_MODES = ['BIOS', 'UEFI'] as const;
export const IMPORT_LICENSE_TYPES = ['Auto', 'Aliyun', 'BYOL'] as const;
export const IMPORT_DISK_FORMATS = ['RAW', 'VHD', 'QCOW2'] as const;
export const IMPORT_NVME_VALUES = ['supported', 'unsupported'] as const;
export const IMPORT_PLATFORMS = [
  'Aliyun', 'Anolis', 'CentOS', 'Ubuntu', 'CoreOS', 'SUSE', 'Debian', 'OpenSUSE', 'FreeBSD', 'RedHat', 'Kylin', 'UOS',
  'Fedora', 'Fedora CoreOS', 'CentOS Stream', 'AlmaLinux', 'Rocky Linux', 'Gentoo', 'Customized Linux', 'Others Linux',
  'Windows Server 2022', 'Windows Server 2019', 'Windows Server 2016', 'Windows Server 2012', 'Windows Server 2008',
  'Windows Server 2003', 'Other Windows',
] as const;

/** The checked request with every default applied; scoped lookups (images, vSwitch, …) come after. */
export interface CheckedPipeline extends Omit<PipelineRequest, 'baseImageType' | 'importImageOptions'> {
  baseImageType: BaseImageType;
  systemDiskSize: number;
  internetMaxBandwidthOut: number;
  deleteInstanceOnFailure: boolean;
  importImageOptions?: ImportImageOptions;
}

/**
 * Checks every rule of CreateImagePipeline that needs no lookup, in the order the caller
 * would fix them, and applies the documented defaults.
 * `knownRegion` tells whether a region id exists (for `ToRegionId.N`).
 */
export function checkPipelineRequest(req: PipelineRequest, knownRegion: (id: string) => boolean): CheckedPipeline {
  if (req.baseImageType === undefined || req.baseImageType === '') throw missingParameter('BaseImageType');
  if (!(BASE_IMAGE_TYPES as readonly string[]).includes(req.baseImageType)) {
    throw new KilnError('InvalidBaseImageType.NotSupportedValue', `The specified BaseImageType "${req.baseImageType}" is not supported. Valid values: ${BASE_IMAGE_TYPES.join(', ')}.`);
  }
  const baseImageType = req.baseImageType as BaseImageType;
  if (baseImageType !== 'OSS' && !req.baseImage) throw missingParameter('BaseImage');
  if (baseImageType === 'OSS' && !req.importImageOptions) {
    throw new KilnError('MissingParameter.ImportImageOptions', 'ImportImageOptions is required when BaseImageType is OSS.');
  }
  if (baseImageType !== 'OSS' && req.importImageOptions) {
    throw new KilnError('InvalidParameterCombination', 'ImportImageOptions can only be specified when BaseImageType is OSS.');
  }

  checkResourceName(req.name);
  checkDescription(req.description);
  checkImageNamePrefix(req.imageName);
  checkImageFamily(req.imageFamily);
  checkEnum(req.nvmeSupport, NVME_VALUES, 'InvalidParameter.NvmeSupport', 'NvmeSupport');

  const systemDiskSize = req.systemDiskSize ?? SYSTEM_DISK_DEFAULT;
  if (!Number.isInteger(systemDiskSize) || systemDiskSize < SYSTEM_DISK_MIN || systemDiskSize > SYSTEM_DISK_MAX) {
    throw new KilnError('InvalidSystemDiskSize.NotSupportedValue', `The specified SystemDiskSize ${req.systemDiskSize} is not supported: it must be an integer from ${SYSTEM_DISK_MIN} to ${SYSTEM_DISK_MAX} (GiB).`);
  }
  const internetMaxBandwidthOut = req.internetMaxBandwidthOut ?? 0;
  if (!Number.isInteger(internetMaxBandwidthOut) || internetMaxBandwidthOut < 0 || internetMaxBandwidthOut > BANDWIDTH_MAX) {
    throw new KilnError('InvalidInternetMaxBandwidthOut.NotSupportedValue', `The specified InternetMaxBandwidthOut ${req.internetMaxBandwidthOut} is not supported: it must be an integer from 0 to ${BANDWIDTH_MAX} (Mbit/s).`);
  }

  if (req.toRegionIds.length > MAX_TARGET_REGIONS) {
    throw new KilnError('InvalidToRegionIdSize.ExceededMaxNumber', `At most ${MAX_TARGET_REGIONS} ToRegionId values can be specified; got ${req.toRegionIds.length}.`);
  }
  for (const region of req.toRegionIds) {
    if (!knownRegion(region)) throw new KilnError('InvalidRegionId.NotFound', `The specified ToRegionId "${region}" does not exist.`);
  }
  if (req.addAccounts.length > MAX_SHARED_ACCOUNTS) {
    throw new KilnError('InvalidAddAccountSize.ExceededMaxNumber', `At most ${MAX_SHARED_ACCOUNTS} AddAccount values can be specified; got ${req.addAccounts.length}.`);
  }
  req.addAccounts.forEach((account, i) => {
    if (!/^\d{1,20}$/.test(account)) {
      throw new KilnError('InvalidParameter', `The specified parameter AddAccount.${i + 1} "${account}" is not valid: it must be a numeric account ID.`);
    }
  });
  validateTags(req.tags, 'Tag');

  if (req.repairItems.length > 0 && !req.repairMode) {
    throw new KilnError('MissingParameter.RepairMode', 'RepairMode is required when RepairItem is specified.');
  }
  checkEnum(req.repairMode, REPAIR_MODES, 'InvalidParameter.RepairMode', 'RepairMode');
  const knownItems = new Set<string>([...LINUX_REPAIR_ITEMS, ...WINDOWS_REPAIR_ITEMS]);
  for (const item of req.repairItems) {
    checkEnum(item, [...knownItems], 'InvalidParameter.RepairMode', 'RepairItem');
  }

  if (req.imageOptions) checkImageOptions(req.imageOptions);
  if (req.advancedOptions?.imageNameSuffix !== undefined && req.advancedOptions.imageNameSuffix !== 'disable') {
    throw new KilnError('InvalidAdvancedOptions.ImageNameSuffix', `The specified AdvancedOptions.ImageNameSuffix "${req.advancedOptions.imageNameSuffix}" is not valid. The only valid value is disable.`);
  }
  const importImageOptions = req.importImageOptions ? checkImportImageOptions(req.importImageOptions) : undefined;
  if (importImageOptions?.osType === 'windows') {
    throw new KilnError('ImagePipeline.NotSupportWindowsInstance', 'Kiln builds Linux images only: Windows base images are not supported.');
  }

  const { importImageOptions: _raw, ...rest } = req;
  const checked: CheckedPipeline = {
    ...rest,
    baseImageType,
    systemDiskSize,
    internetMaxBandwidthOut,
    deleteInstanceOnFailure: req.deleteInstanceOnFailure ?? true,
  };
  if (importImageOptions) checked.importImageOptions = importImageOptions;
  return checked;
}

function checkImageOptions(o: ImageOptions): void {
  checkImageNamePrefix(o.imageName, 'ImageOptions.ImageName');
  checkImageFamily(o.imageFamily, 'ImageOptions.ImageFamily');
  checkDescription(o.description, 'InvalidImageOptions.Description', 'ImageOptions.Description');
  checkEnum(o.imageFeatures?.nvmeSupport, NVME_VALUES, 'InvalidParameter.NvmeSupport', 'ImageOptions.ImageFeatures.NvmeSupport');
  validateTags(o.imageTags, 'ImageOptions.ImageTags');
}

const OSS_BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

function checkImportImageOptions(o: NonNullable<PipelineRequest['importImageOptions']>): ImportImageOptions {
  checkEnum(o.architecture, IMPORT_ARCHITECTURES, 'InvalidParameter.ImportImageOptionsArchitecture', 'ImportImageOptions.Architecture');
  checkEnum(o.osType, IMPORT_OS_TYPES, 'InvalidParameter.ImportImageOptionsOSType', 'ImportImageOptions.OSType');
  checkEnum(o.platform, IMPORT_PLATFORMS, 'InvalidParameter.ImportImageOptionsPlatform', 'ImportImageOptions.Platform');
  checkEnum(o.bootMode, IMPORT_BOOT_MODES, 'InvalidParameter.ImportImageOptionsBootMode', 'ImportImageOptions.BootMode');
  checkEnum(o.licenseType, IMPORT_LICENSE_TYPES, 'InvalidParameter.ImportImageOptionsLicenseType', 'ImportImageOptions.LicenseType');
  checkEnum(o.features?.nvmeSupport, IMPORT_NVME_VALUES, 'InvalidParameter.ImportImageOptionsFeaturesNvmeSupport', 'ImportImageOptions.Features.NvmeSupport');
  checkImageNamePrefix(o.imageName, 'ImportImageOptions.ImageName');
  checkDescription(o.description, 'InvalidDescription.Malformed', 'ImportImageOptions.Description');
  validateTags(o.importImageTags ?? [], 'ImportImageOptions.ImportImageTags');

  const mappings = o.diskDeviceMappings;
  if (mappings.length === 0) {
    throw new KilnError('MissingParameter.ImageOptionsDiskDeviceMappings', 'ImportImageOptions.DiskDeviceMappings is required when BaseImageType is OSS: give at least the system disk (N=1).');
  }
  if (mappings.length > MAX_DISK_DEVICE_MAPPINGS) {
    throw new KilnError('InvalidImportImageOptionsDiskDeviceMappings.LengthLimitExceeded', `At most ${MAX_DISK_DEVICE_MAPPINGS} ImportImageOptions.DiskDeviceMappings can be specified; got ${mappings.length}.`);
  }
  mappings.forEach((m, i) => {
    const at = `ImportImageOptions.DiskDeviceMappings.${i + 1}`;
    if (!m.ossBucket) throw new KilnError('MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket', `${at}.OSSBucket is required.`);
    if (!m.ossObject) throw new KilnError('MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSObject', `${at}.OSSObject is required.`);
    if (!OSS_BUCKET.test(m.ossBucket)) {
      throw new KilnError('InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket', `${at}.OSSBucket "${m.ossBucket}" is not valid: 3 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen.`);
    }
    if (m.ossObject.length > 1023 || /^https?:\/\//i.test(m.ossObject)) {
      throw new KilnError('InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSObject', `${at}.OSSObject is not valid: at most 1023 characters and not a URL.`);
    }
    if (m.format !== undefined && m.format !== '') {
      checkEnum(m.format, IMPORT_DISK_FORMATS, 'InvalidParameter.ImportImageOptionsDiskDeviceMappingsFormat', `${at}.Format`);
    }
    if (m.diskImageSize !== undefined && (!Number.isInteger(m.diskImageSize) || m.diskImageSize < 1 || m.diskImageSize > 2048)) {
      throw new KilnError('InvalidOperation.DiskImageSizeExceeded', `${at}.DiskImageSize must be an integer from 1 to 2048 (GiB).`);
    }
  });

  const osType = o.osType ?? 'linux';
  const result: ImportImageOptions = {
    architecture: o.architecture ?? 'x86_64',
    osType,
    platform: o.platform ?? (osType === 'windows' ? 'Other Windows' : 'Others Linux'),
    bootMode: o.bootMode ?? 'BIOS',
    licenseType: o.licenseType ?? 'Auto',
    diskDeviceMappings: mappings,
    features: { nvmeSupport: o.features?.nvmeSupport ?? 'unsupported' },
    importImageTags: o.importImageTags ?? [],
  };
  if (o.features?.imdsSupport !== undefined) result.features.imdsSupport = o.features.imdsSupport;
  for (const k of ['retainImportedImage', 'retentionStrategy', 'roleName', 'imageName', 'description'] as const) {
    if (o[k] !== undefined) (result as unknown as Record<string, unknown>)[k] = o[k];
  }
  return result;
}

/** Where a template's intermediate instances run, resolved against the caller's catalog. */
export interface Placement {
  instanceType: string;
  vSwitchId: string;
  resourceGroupId: string;
}

/**
 * The template entity for a checked request: `Name` defaults to the id, and fields the
 * caller did not send stay absent (templates are immutable and self-describing).
 */
export function newPipeline(checked: CheckedPipeline, scope: { accountId: string; regionId: string }, placement: Placement, id: string, creationTime: string): ImagePipeline {
  const pipeline: ImagePipeline = {
    ...checked,
    ...placement,
    id,
    accountId: scope.accountId,
    regionId: scope.regionId,
    name: checked.name ?? id,
    creationTime,
  };
  for (const key of Object.keys(pipeline) as Array<keyof ImagePipeline>) {
    if (pipeline[key] === undefined) delete pipeline[key];
  }
  return pipeline;
}
