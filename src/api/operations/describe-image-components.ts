import { describeComponents, MAX_COMPONENT_IDS } from '../../app/components.js';
import { defineRegionalOperation } from './operation.js';
import { presentComponent } from './present-component.js';
import { list, str, violation } from './spec/build.js';
import { maxResults, nextToken, tags } from './spec/common.js';
import { componentType, systemType } from './spec/component-params.js';

export const describeImageComponents = defineRegionalOperation({
  action: 'DescribeImageComponents',
  summary: 'The caller\'s components (Owner=SELF) or the system ones (Owner=ALIYUN), keyset-paged.',
  params: {
    ids: list('ImageComponentId', str('ImageComponentId'), {
      maxItems: {
        max: MAX_COMPONENT_IDS,
        violation: violation('InvalidImageComponentIdSize.ExceededMaxNumber', (c) => `At most ${MAX_COMPONENT_IDS} ImageComponentId values can be specified; got ${c.value}.`),
      },
    }),
    owner: str('Owner', {
      enum: { values: ['SELF', 'ALIYUN'], violation: violation('InvalidParameter.Owner', () => 'The specified parameter "Owner" is not valid.') },
      default: 'SELF',
    }),
    name: str('Name', { doc: 'Follows the name rule (InvalidName.Malformed).' }),
    componentType,
    systemType,
    componentVersion: str('ComponentVersion', { doc: '`major.minor.patch`, at most one part `*`; applies together with Name (InvalidParameter.ComponentVersion).' }),
    resourceGroupId: str('ResourceGroupId'),
    tags: tags('Tag'),
    maxResults,
    nextToken,
  },
  async run({ app, scope, input: { ...query } }) {
    const page = await describeComponents(app, scope, query);
    return {
      TotalCount: page.totalCount,
      MaxResults: page.maxResults,
      NextToken: page.nextToken,
      ImageComponent: { ImageComponentSet: page.items.map(presentComponent) },
    };
  },
});
