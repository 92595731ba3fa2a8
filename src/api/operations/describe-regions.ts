import { defineOperation } from './operation.js';
import { str } from './spec/build.js';

export const describeRegions = defineOperation({
  action: 'DescribeRegions',
  summary: 'The regions this Kiln serves.',
  params: {
    acceptLanguage: str('AcceptLanguage', { doc: 'en-US or ja: English region names; otherwise the local names.' }),
  },
  async run({ app, input }) {
    const english = /^(en|ja)/i.test(input.acceptLanguage ?? '');
    return {
      Regions: {
        Region: app.regions.map((r) => ({
          RegionId: r.regionId,
          LocalName: english ? (r.englishName ?? r.localName) : r.localName,
          RegionEndpoint: `ecs.${r.regionId}.aliyuncs.com`,
          Status: 'available',
        })),
      },
    };
  },
});
