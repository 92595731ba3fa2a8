import type { ComponentOwner, ComponentType, ImageComponent, ParameterType, SystemType } from '../../domain/component.js';
import type { Tag } from '../../domain/tag.js';
import type { ComponentsTable } from '../schema.js';
import { copyPresent, list, object, oneOf, rowReader, type SameTypedKeys, str, strOrNull } from './record-schema.js';

/**
 * How an image component is stored: the `components` columns own the id, scope, name, version,
 * types, owner, resource group and creation time (the version also as integer parts, for
 * version filters: the repository fills those); `spec` holds the rest as a versioned record.
 * Tags are in the tags table.
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
  description?: string;
  content: string;
  parameters: Array<{ name: string; type: ParameterType; defaultValue?: string }>;
}

const reader = rowReader<ComponentRow, ComponentSpecV1>('components', 1, {
  id: str,
  account_id: str,
  region_id: str,
  name: str,
  version: str,
  component_type: oneOf(COMPONENT_TYPES),
  system_type: oneOf(SYSTEM_TYPES),
  owner: oneOf(OWNERS),
  resource_group_id: strOrNull,
  creation_time: str,
}, object({
  v: { type: 'integer', const: 1 },
  content: str,
  parameters: list(object({ name: str, type: oneOf(PARAMETER_TYPES) }, { defaultValue: str })),
}, { description: str }));

/** The columns a read selects. */
export const COMPONENT_COLUMNS = reader.columns;

/** The optional fields, copied from the record only when present. */
const OPTIONAL = ['description'] as const satisfies readonly SameTypedKeys<ComponentSpecV1, ImageComponent>[];

/** The row for a component (without `seq` and the version's integer parts, which the repository adds). */
export function componentToRow(c: ImageComponent): ComponentRow {
  const spec: ComponentSpecV1 = {
    v: 1,
    description: c.description,
    content: c.content,
    parameters: c.parameters.map((p) => ({ name: p.name, type: p.type, defaultValue: p.defaultValue })),
  };
  return {
    id: c.id,
    account_id: c.accountId,
    region_id: c.regionId,
    name: c.name,
    version: c.componentVersion,
    component_type: c.componentType,
    system_type: c.systemType,
    owner: c.owner,
    resource_group_id: c.resourceGroupId ?? null,
    creation_time: c.creationTime,
    spec: JSON.stringify(spec),
  };
}

/** The component of a row (checked; `StoreRecordError` if it does not fit), with its tags from the tags table. */
export function componentFromRow(row: ComponentRow, tags: Tag[]): ImageComponent {
  const { spec: s, ...c } = reader.read(row);
  // The enumerated columns were checked against their values by the reader.
  const out: ImageComponent = {
    id: c.id,
    accountId: c.account_id,
    regionId: c.region_id,
    name: c.name,
    systemType: c.system_type as SystemType,
    componentType: c.component_type as ComponentType,
    componentVersion: c.version,
    content: s.content,
    owner: c.owner as ComponentOwner,
    parameters: s.parameters,
    tags,
    creationTime: c.creation_time,
  };
  if (c.resource_group_id !== null) out.resourceGroupId = c.resource_group_id;
  return copyPresent(s, out, OPTIONAL);
}
