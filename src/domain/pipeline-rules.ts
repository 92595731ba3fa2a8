import { KilnError, fault, missingParameter } from './errors.js';
import { checkDescription, checkImageFamily, checkImageNamePrefix, checkResourceName } from './names.js';
import type { AdvancedOptions, BaseImageType, ImageOptions, ImagePipeline, ImportImageOptions } from './pipeline.js';
import { validateTags, type Tag } from './tag.js';

/**
 * What a caller asks for in CreateImagePipeline, read from the wire with each parameter
 * checked on its own (types, enumerations, ranges, list sizes: the operation's spec); the
 * rules below are those that span parameters or name formats shared with other resources.
 */
export interface PipelineRequest {
  name?: string;
  description?: string;
  baseImageType: BaseImageType;
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
export interface CheckedPipeline extends Omit<PipelineRequest, 'importImageOptions'> {
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
  const { baseImageType } = req;
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
  const systemDiskSize = req.systemDiskSize ?? SYSTEM_DISK_DEFAULT;
  const internetMaxBandwidthOut = req.internetMaxBandwidthOut ?? 0;

  for (const region of req.toRegionIds) {
    if (!knownRegion(region)) throw fault('InvalidRegionId.NotFound', { param: 'ToRegionId', regionId: region });
  }
  validateTags(req.tags, 'Tag');

  if (req.repairItems.length > 0 && !req.repairMode) {
    throw new KilnError('MissingParameter.RepairMode', 'RepairMode is required when RepairItem is specified.');
  }

  if (req.imageOptions) checkImageOptions(req.imageOptions);
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
  validateTags(o.imageTags, 'ImageOptions.ImageTags');
}

function checkImportImageOptions(o: NonNullable<PipelineRequest['importImageOptions']>): ImportImageOptions {
  checkImageNamePrefix(o.imageName, 'ImportImageOptions.ImageName');
  checkDescription(o.description, 'InvalidDescription.Malformed', 'ImportImageOptions.Description');
  validateTags(o.importImageTags ?? [], 'ImportImageOptions.ImportImageTags');

  const mappings = o.diskDeviceMappings;
  if (mappings.length === 0) {
    throw new KilnError('MissingParameter.ImageOptionsDiskDeviceMappings', 'ImportImageOptions.DiskDeviceMappings is required when BaseImageType is OSS: give at least the system disk (N=1).');
  }

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
