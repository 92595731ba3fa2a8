import { createComponent } from '../../app/components.js';
import { defineRegionalOperation } from './operation.js';
import { MISSING, str } from './spec/build.js';
import { clientToken, tags } from './spec/common.js';
import { componentType, systemType } from './spec/component-params.js';

export const createImageComponent = defineRegionalOperation({
  action: 'CreateImageComponent',
  summary: 'A new component, or a new version of a named one.',
  params: {
    name: str('Name', { doc: 'Follows the name rule (InvalidName.Malformed); default: the component id.' }),
    description: str('Description', { doc: '2–256 characters, not a URL (InvalidDescription.Malformed).' }),
    systemType: { ...systemType, doc: 'Default Linux.' },
    componentType: { ...componentType, doc: 'Default Build.' },
    componentVersion: str('ComponentVersion', { doc: '`major.minor.patch` (InvalidParameter.ComponentVersion); default: the next major of the name.' }),
    content: str('Content', {
      required: true,
      rule: { test: (v: string) => v.trim() !== '', describe: 'not blank', violation: MISSING },
      doc: 'The component\'s commands (Dockerfile-style or YAML).',
    }),
    tags: tags('Tag'),
    resourceGroupId: str('ResourceGroupId'),
    clientToken,
  },
  async run({ app, scope, input: { clientToken, ...request } }) {
    const { imageComponentId } = await createComponent(app, scope, request, clientToken);
    return { ImageComponentId: imageComponentId };
  },
});
