import type { Tag } from './tag.js';

export type BaseImageType = 'IMAGE' | 'IMAGE_FAMILY' | 'OSS';
export const BASE_IMAGE_TYPES: readonly BaseImageType[] = ['IMAGE', 'IMAGE_FAMILY', 'OSS'];

export type NvmeSupport = 'supported' | 'unsupported' | 'auto';

/** Attributes of the image an execution produces (`ImageOptions.*`). */
export interface ImageOptions {
  imageName?: string;
  imageFamily?: string;
  description?: string;
  imageFeatures?: { nvmeSupport?: string };
  imageTags: Tag[];
}

export interface DiskDeviceMapping {
  ossBucket?: string;
  ossObject?: string;
  format?: string;
  diskImageSize?: number;
}

/** Where an OSS-imported base image comes from (`ImportImageOptions.*`, BaseImageType=OSS). */
export interface ImportImageOptions {
  architecture: string;
  osType: string;
  platform: string;
  bootMode: string;
  licenseType: string;
  diskDeviceMappings: DiskDeviceMapping[];
  features: { nvmeSupport: string; imdsSupport?: string };
  retainImportedImage?: boolean;
  retentionStrategy?: string;
  roleName?: string;
  imageName?: string;
  description?: string;
  importImageTags: Tag[];
}

export interface AdvancedOptions {
  imageNameSuffix?: string;
  retainCloudAssistant?: boolean;
}

/**
 * An image template (`ImagePipeline`). Immutable once created: the API has no Modify call.
 * Every template belongs to exactly one account and one region.
 */
export interface ImagePipeline {
  id: string;
  accountId: string;
  regionId: string;
  name: string;
  description?: string;
  baseImageType: BaseImageType;
  baseImage?: string;
  buildContent?: string;
  testContent?: string;
  /** Deprecated top-level forms, kept as the caller gave them. */
  imageName?: string;
  imageFamily?: string;
  nvmeSupport?: string;
  vSwitchId: string;
  instanceType: string;
  systemDiskSize: number;
  internetMaxBandwidthOut: number;
  deleteInstanceOnFailure: boolean;
  toRegionIds: string[];
  addAccounts: string[];
  resourceGroupId: string;
  repairMode?: string;
  repairItems: string[];
  imageOptions?: ImageOptions;
  importImageOptions?: ImportImageOptions;
  advancedOptions?: AdvancedOptions;
  tags: Tag[];
  /** ISO-8601 UTC without fractional seconds, e.g. `2020-11-24T06:00:00Z`. */
  creationTime: string;
}
