import type { Operation } from './operation.js';

export const describeRegions: Operation = {
  action: 'DescribeRegions',
  async handle({ app }) {
    return {
      Regions: {
        Region: app.regions.map((r) => ({
          RegionId: r.regionId,
          LocalName: r.localName,
          RegionEndpoint: `ecs.${r.regionId}.aliyuncs.com`,
          Status: 'available',
        })),
      },
    };
  },
};
