import { describeInstanceTypeFamilies as describe } from '../../app/instance-types.js';
import { defineRegionalOperation } from './operation.js';
import { str } from './spec/build.js';

/** DescribeInstanceTypeFamilies → `InstanceTypeFamilies.InstanceTypeFamily[]` (`InstanceTypeFamilyId`, `Generation`). */
export const describeInstanceTypeFamilies = defineRegionalOperation({
  action: 'DescribeInstanceTypeFamilies',
  summary: 'The instance families of the types a template may name, with their generation.',
  params: {
    generation: str('Generation', { doc: 'ecs-4, ecs-5, ecs-6, …: the families of that generation only (an unknown one selects nothing).' }),
  },
  async run({ input }) {
    const families = describe(input.generation);
    return {
      InstanceTypeFamilies: {
        InstanceTypeFamily: families.map((f) => ({ InstanceTypeFamilyId: f.family, Generation: f.generation })),
      },
    };
  },
});
