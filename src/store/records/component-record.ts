import type { ComponentOwner, ComponentType, ImageComponent, ParameterType, SystemType } from '../../domain/component.js';
import type { Tag } from '../../domain/tag.js';
import type { ComponentsTable } from '../schema.js';
import { list, object, oneOf, recordReader, str } from './record-schema.js';

/**
 * How an image component is stored: `spec` holds the whole component as a versioned record (all
 * but its tags, which are in the tags table). A read selects `spec` alone. The other columns
 * (id, scope, name, version, types, owner, resource group, creation time) exist for the primary
 * key, the scope's index, the uniqueness of a name's versions and the list filters (the version
 * also as integer parts, which the repository adds): `componentToRow` writes them from the same
 * record, and nothing updates a component, so they never disagree with it.
 */
export type ComponentRow = Pick<ComponentsTable,
  'id' | 'account_id' | 'region_id' | 'name' | 'version' | 'component_type' | 'system_type' | 'owner' | 'resource_group_id' | 'creation_time' | 'spec'>;

const SYSTEM_TYPES: readonly SystemType[] = ['Linux', 'Windows'];
const COMPONENT_TYPES: readonly ComponentType[] = ['Build', 'Test'];
const OWNERS: readonly ComponentOwner[] = ['SELF', 'ALIYUN'];
const PARAMETER_TYPES: readonly ParameterType[] = ['String', 'Number', 'Boolean'];

/** Version 1 of a component's `spec` (migrations/0009_record_versions.ts wrote it for older rows). */
export interface ComponentSpecV1 {
  v: 1;
  id: string;
  accountId: string;
  regionId: string;
  name: string;
  description?: string;
  systemType: SystemType;
  componentType: ComponentType;
  componentVersion: string;
  content: string;
  owner: ComponentOwner;
  resourceGroupId?: string;
  parameters: Array<{ name: string; type: ParameterType; defaultValue?: string }>;
  creationTime: string;
}

const reader = recordReader<ComponentSpecV1>('components', 1, 'id', object({
  v: { type: 'integer', const: 1 },
  id: str,
  accountId: str,
  regionId: str,
  name: str,
  systemType: oneOf(SYSTEM_TYPES),
  componentType: oneOf(COMPONENT_TYPES),
  componentVersion: str,
  content: str,
  owner: oneOf(OWNERS),
  parameters: list(object({ name: str, type: oneOf(PARAMETER_TYPES) }, { defaultValue: str })),
  creationTime: str,
}, { description: str, resourceGroupId: str }));

/** The row for a component (without `seq` and the version's integer parts, which the repository adds): its record, and the columns from it. */
export function componentToRow(c: ImageComponent): ComponentRow {
  const spec: ComponentSpecV1 = {
    v: 1,
    id: c.id,
    accountId: c.accountId,
    regionId: c.regionId,
    name: c.name,
    description: c.description,
    systemType: c.systemType,
    componentType: c.componentType,
    componentVersion: c.componentVersion,
    content: c.content,
    owner: c.owner,
    resourceGroupId: c.resourceGroupId,
    parameters: c.parameters.map((p) => ({ name: p.name, type: p.type, defaultValue: p.defaultValue })),
    creationTime: c.creationTime,
  };
  return {
    id: spec.id,
    account_id: spec.accountId,
    region_id: spec.regionId,
    name: spec.name,
    version: spec.componentVersion,
    component_type: spec.componentType,
    system_type: spec.systemType,
    owner: spec.owner,
    resource_group_id: spec.resourceGroupId ?? null,
    creation_time: spec.creationTime,
    spec: JSON.stringify(spec),
  };
}

/**
 * The component of a row's `spec` (checked; `StoreRecordError` if it does not fit, naming the row
 * by `id` when the caller knows it, else by the record's id), with its tags from the tags table.
 */
export function componentFromSpec(spec: string, tags: Tag[], id?: string): ImageComponent {
  const s = reader.read(spec, id);
  const out: ImageComponent = {
    id: s.id,
    accountId: s.accountId,
    regionId: s.regionId,
    name: s.name,
    systemType: s.systemType,
    componentType: s.componentType,
    componentVersion: s.componentVersion,
    content: s.content,
    owner: s.owner,
    parameters: s.parameters,
    tags,
    creationTime: s.creationTime,
  };
  // The optional fields, set only when present (an entity has no key for an absent one).
  if (s.description !== undefined) out.description = s.description;
  if (s.resourceGroupId !== undefined) out.resourceGroupId = s.resourceGroupId;
  return out;
}
