import { scopeFor } from '../../app/app.js';
import { createComponent } from '../../app/components.js';
import type { ComponentRequest } from '../../domain/component-rules.js';
import type { Operation } from './operation.js';

export const createImageComponent: Operation = {
  action: 'CreateImageComponent',
  async handle({ app, accountId, params }) {
    const scope = scopeFor(app, accountId, params.str('RegionId'));
    const req: ComponentRequest = { tags: params.tags('Tag') };
    const strings = { name: 'Name', description: 'Description', systemType: 'SystemType', componentType: 'ComponentType',
      componentVersion: 'ComponentVersion', content: 'Content', resourceGroupId: 'ResourceGroupId' } as const;
    for (const [key, wire] of Object.entries(strings) as Array<[keyof typeof strings, string]>) {
      const v = params.str(wire);
      if (v !== undefined) req[key] = v;
    }
    const { imageComponentId } = await createComponent(app, scope, req, params.str('ClientToken'));
    return { ImageComponentId: imageComponentId };
  },
};
