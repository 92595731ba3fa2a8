import type { AdvancedOptions, BaseImageType, ImageOptions, ImagePipeline, ImportImageOptions } from '../../domain/pipeline.js';
import { BASE_IMAGE_TYPES } from '../../domain/pipeline.js';
import type { Tag } from '../../domain/tag.js';
import type { PipelinesTable } from '../schema.js';
import { bool, copyPresent, list, num, object, rowReader, type SameTypedKeys, str, tag } from './record-schema.js';

/**
 * How an image template is stored: the `pipelines` columns own the id, scope, name, resource
 * group and creation time; `spec` holds the rest as a versioned record. Tags are in the tags
 * table, and component references in `pipeline_component_refs`.
 */
export type PipelineRow = Pick<PipelinesTable, 'id' | 'account_id' | 'region_id' | 'name' | 'resource_group_id' | 'creation_time' | 'spec'>;

interface TagV1 { key: string; value: string }

/** Version 1 of a template's `spec` (migrations/0009_record_versions.ts wrote it for older rows). */
export interface PipelineSpecV1 {
  v: 1;
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
}

const specV1 = object({
  v: { type: 'integer', const: 1 },
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

const reader = rowReader<PipelineRow, PipelineSpecV1>('pipelines', 1, {
  id: str, account_id: str, region_id: str, name: str, resource_group_id: str, creation_time: str,
}, specV1);

/** The columns a read selects. */
export const PIPELINE_COLUMNS = reader.columns;

/** The optional fields, copied from the record only when present. */
const OPTIONAL = ['description', 'baseImage', 'buildContent', 'testContent', 'imageName', 'imageFamily', 'nvmeSupport', 'repairMode',
  'imageOptions', 'importImageOptions', 'advancedOptions'] as const satisfies readonly SameTypedKeys<PipelineSpecV1, ImagePipeline>[];

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

/** The row for a template (without `seq`, which the repository allocates). */
export function pipelineToRow(p: ImagePipeline): PipelineRow {
  const spec: PipelineSpecV1 = {
    v: 1,
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
  };
  return {
    id: p.id,
    account_id: p.accountId,
    region_id: p.regionId,
    name: p.name,
    resource_group_id: p.resourceGroupId,
    creation_time: p.creationTime,
    spec: JSON.stringify(spec),
  };
}

/** The template of a row (checked; `StoreRecordError` if it does not fit), with its tags from the tags table. */
export function pipelineFromRow(row: PipelineRow, tagList: Tag[]): ImagePipeline {
  const { spec: s, ...c } = reader.read(row);
  const p: ImagePipeline = {
    id: c.id,
    accountId: c.account_id,
    regionId: c.region_id,
    name: c.name,
    baseImageType: s.baseImageType,
    vSwitchId: s.vSwitchId,
    instanceType: s.instanceType,
    systemDiskSize: s.systemDiskSize,
    internetMaxBandwidthOut: s.internetMaxBandwidthOut,
    deleteInstanceOnFailure: s.deleteInstanceOnFailure,
    toRegionIds: s.toRegionIds,
    addAccounts: s.addAccounts,
    resourceGroupId: c.resource_group_id,
    repairItems: s.repairItems,
    tags: tagList,
    creationTime: c.creation_time,
  };
  return copyPresent(s, p, OPTIONAL);
}
