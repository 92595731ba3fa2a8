import type { ImageComponent } from '../../domain/component.js';
import { presentTags } from './present-tags.js';

/** One `ImageComponentSet` entry of DescribeImageComponents. */
export function presentComponent(c: ImageComponent): Record<string, unknown> {
  return {
    ImageComponentId: c.id,
    Name: c.name,
    Description: c.description,
    SystemType: c.systemType,
    ComponentType: c.componentType,
    ComponentVersion: c.componentVersion,
    Content: c.content,
    Owner: c.owner,
    ResourceGroupId: c.resourceGroupId,
    CreationTime: c.creationTime,
    Tags: presentTags(c.tags),
    Parameters: {
      Parameter: c.parameters.map((p) => ({ Name: p.name, Type: p.type, DefaultValue: p.defaultValue })),
    },
  };
}
