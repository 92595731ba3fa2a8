import type { AdvancedOptions, BaseImageType, ImageOptions, ImagePipeline, ImportImageOptions } from '../../domain/pipeline.js';
import { BASE_IMAGE_TYPES } from '../../domain/pipeline.js';
import type { Tag } from '../../domain/tag.js';
import type { PipelinesTable } from '../schema.js';
import { bool, list, num, object, recordReader, str, tag } from './record-schema.js';

/**
 * How an image template is stored: `spec` holds the whole template as a versioned record (all
 * but its tags, which are in the tags table; component references are in
 * `pipeline_component_refs`). A read selects `spec` alone. The other columns (id, scope, name,
 * resource group, creation time) exist for the primary key, the scope's index and uniqueness
 * and the list filters: `pipelineToRow` writes them from the same record, and nothing updates
 * a template, so they never disagree with it.
 */
export type PipelineRow = Pick<PipelinesTable, 'id' | 'account_id' | 'region_id' | 'name' | 'resource_group_id' | 'creation_time' | 'spec'>;

interface TagV1 { key: string; value: string }

/** Version 1 of a template's `spec` (migrations/0009_record_versions.ts wrote it for older rows). */
export interface PipelineSpecV1 {
  v: 1;
  id: string;
  accountId: string;
  regionId: string;
  name: string;
  description?: string;
  baseImageType: BaseImageType;
  baseImage?: string;
  buildContent?: string;
  testContent?: string;
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
  repairMode?: string;
  repairItems: string[];
  imageOptions?: {
    imageName?: string;
    imageFamily?: string;
    description?: string;
    imageFeatures?: { nvmeSupport?: string };
    imageTags: TagV1[];
  };
  importImageOptions?: {
    architecture: string;
    osType: string;
    platform: string;
    bootMode: string;
    licenseType: string;
    diskDeviceMappings: Array<{ ossBucket?: string; ossObject?: string; format?: string; diskImageSize?: number }>;
    features: { nvmeSupport: string; imdsSupport?: string };
    retainImportedImage?: boolean;
    retentionStrategy?: string;
    roleName?: string;
    imageName?: string;
    description?: string;
    importImageTags: TagV1[];
  };
  advancedOptions?: { imageNameSuffix?: string; retainCloudAssistant?: boolean };
  resourceGroupId: string;
  creationTime: string;
}

const specV1 = object({
  v: { type: 'integer', const: 1 },
  id: str,
  accountId: str,
  regionId: str,
  name: str,
  resourceGroupId: str,
  creationTime: str,
  baseImageType: { type: 'string', enum: [...BASE_IMAGE_TYPES] },
  vSwitchId: str,
  instanceType: str,
  systemDiskSize: num,
  internetMaxBandwidthOut: num,
  deleteInstanceOnFailure: bool,
  toRegionIds: list(str),
  addAccounts: list(str),
  repairItems: list(str),
}, {
  description: str,
  baseImage: str,
  buildContent: str,
  testContent: str,
  imageName: str,
  imageFamily: str,
  nvmeSupport: str,
  repairMode: str,
  imageOptions: object({ imageTags: list(tag) }, {
    imageName: str, imageFamily: str, description: str, imageFeatures: object({}, { nvmeSupport: str }),
  }),
  importImageOptions: object({
    architecture: str,
    osType: str,
    platform: str,
    bootMode: str,
    licenseType: str,
    diskDeviceMappings: list(object({}, { ossBucket: str, ossObject: str, format: str, diskImageSize: num })),
    features: object({ nvmeSupport: str }, { imdsSupport: str }),
    importImageTags: list(tag),
  }, { retainImportedImage: bool, retentionStrategy: str, roleName: str, imageName: str, description: str }),
  advancedOptions: object({}, { imageNameSuffix: str, retainCloudAssistant: bool }),
});

const reader = recordReader<PipelineSpecV1>('pipelines', 1, 'id', specV1);

const tags = (ts: readonly Tag[]): TagV1[] => ts.map((t) => ({ key: t.key, value: t.value }));

// The nested options are written field by field (nothing unknown reaches the record); read
// back, the checked record's options are the entity's.
function imageOptions(o: ImageOptions): NonNullable<PipelineSpecV1['imageOptions']> {
  return {
    imageName: o.imageName,
    imageFamily: o.imageFamily,
    description: o.description,
    imageFeatures: o.imageFeatures && { nvmeSupport: o.imageFeatures.nvmeSupport },
    imageTags: tags(o.imageTags),
  };
}

function importImageOptions(o: ImportImageOptions): NonNullable<PipelineSpecV1['importImageOptions']> {
  return {
    architecture: o.architecture,
    osType: o.osType,
    platform: o.platform,
    bootMode: o.bootMode,
    licenseType: o.licenseType,
    diskDeviceMappings: o.diskDeviceMappings.map((m) => ({ ossBucket: m.ossBucket, ossObject: m.ossObject, format: m.format, diskImageSize: m.diskImageSize })),
    features: { nvmeSupport: o.features.nvmeSupport, imdsSupport: o.features.imdsSupport },
    retainImportedImage: o.retainImportedImage,
    retentionStrategy: o.retentionStrategy,
    roleName: o.roleName,
    imageName: o.imageName,
    description: o.description,
    importImageTags: tags(o.importImageTags),
  };
}

function advancedOptions(o: AdvancedOptions): NonNullable<PipelineSpecV1['advancedOptions']> {
  return { imageNameSuffix: o.imageNameSuffix, retainCloudAssistant: o.retainCloudAssistant };
}

/** The row for a template (without `seq`, which the repository allocates): its record, and the columns from it. */
export function pipelineToRow(p: ImagePipeline): PipelineRow {
  const spec: PipelineSpecV1 = {
    v: 1,
    id: p.id,
    accountId: p.accountId,
    regionId: p.regionId,
    name: p.name,
    description: p.description,
    baseImageType: p.baseImageType,
    baseImage: p.baseImage,
    buildContent: p.buildContent,
    testContent: p.testContent,
    imageName: p.imageName,
    imageFamily: p.imageFamily,
    nvmeSupport: p.nvmeSupport,
    vSwitchId: p.vSwitchId,
    instanceType: p.instanceType,
    systemDiskSize: p.systemDiskSize,
    internetMaxBandwidthOut: p.internetMaxBandwidthOut,
    deleteInstanceOnFailure: p.deleteInstanceOnFailure,
    toRegionIds: [...p.toRegionIds],
    addAccounts: [...p.addAccounts],
    repairMode: p.repairMode,
    repairItems: [...p.repairItems],
    imageOptions: p.imageOptions && imageOptions(p.imageOptions),
    importImageOptions: p.importImageOptions && importImageOptions(p.importImageOptions),
    advancedOptions: p.advancedOptions && advancedOptions(p.advancedOptions),
    resourceGroupId: p.resourceGroupId,
    creationTime: p.creationTime,
  };
  return {
    id: spec.id,
    account_id: spec.accountId,
    region_id: spec.regionId,
    name: spec.name,
    resource_group_id: spec.resourceGroupId,
    creation_time: spec.creationTime,
    spec: JSON.stringify(spec),
  };
}

/**
 * The template of a row's `spec` (checked; `StoreRecordError` if it does not fit, naming the row
 * by `id` when the caller knows it, else by the record's id), with its tags from the tags table.
 */
export function pipelineFromSpec(spec: string, tagList: Tag[], id?: string): ImagePipeline {
  const s = reader.read(spec, id);
  const p: ImagePipeline = {
    id: s.id,
    accountId: s.accountId,
    regionId: s.regionId,
    name: s.name,
    baseImageType: s.baseImageType,
    vSwitchId: s.vSwitchId,
    instanceType: s.instanceType,
    systemDiskSize: s.systemDiskSize,
    internetMaxBandwidthOut: s.internetMaxBandwidthOut,
    deleteInstanceOnFailure: s.deleteInstanceOnFailure,
    toRegionIds: s.toRegionIds,
    addAccounts: s.addAccounts,
    resourceGroupId: s.resourceGroupId,
    repairItems: s.repairItems,
    tags: tagList,
    creationTime: s.creationTime,
  };
  // The optional fields, set only when present (an entity has no key for an absent one). Field
  // by field: a loop over their names costs a keyed lookup each, a measurable part of a page.
  if (s.description !== undefined) p.description = s.description;
  if (s.baseImage !== undefined) p.baseImage = s.baseImage;
  if (s.buildContent !== undefined) p.buildContent = s.buildContent;
  if (s.testContent !== undefined) p.testContent = s.testContent;
  if (s.imageName !== undefined) p.imageName = s.imageName;
  if (s.imageFamily !== undefined) p.imageFamily = s.imageFamily;
  if (s.nvmeSupport !== undefined) p.nvmeSupport = s.nvmeSupport;
  if (s.repairMode !== undefined) p.repairMode = s.repairMode;
  if (s.imageOptions !== undefined) p.imageOptions = s.imageOptions;
  if (s.importImageOptions !== undefined) p.importImageOptions = s.importImageOptions;
  if (s.advancedOptions !== undefined) p.advancedOptions = s.advancedOptions;
  return p;
}
