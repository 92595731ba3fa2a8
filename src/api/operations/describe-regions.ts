import type { Operation } from './operation.js';

export const describeRegions: Operation = {
  action: 'DescribeRegions',
  async handle({ app, params }) {
    const english = /^(en|ja)/i.test(params.str('AcceptLanguage') ?? '');
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
};
