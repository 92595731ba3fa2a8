import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import { DEFAULT_INSTANCE_TYPE, INSTANCE_TYPES } from '../../src/domain/catalog/instance-types.js';
import { REGION, expectError } from '../support/kiln.js';
import { expectPopError } from '../support/wire.js';
import { imagesFixture } from './support/images.js';

/*
 * The instance-type catalog through the official SDK (V3 and V1) and pop-core:
 * DescribeInstanceTypes (filters, keyset paging), DescribeImageSupportInstanceTypes
 * (architecture of an image the caller sees) and DescribeInstanceTypeFamilies. What they list
 * is what CreateImagePipeline accepts.
 */

const fx = imagesFixture();
const DEBIAN = 'debian_minbase_x64_20G_kiln_base.vhd';

async function typeIds(q: Partial<$Ecs.DescribeInstanceTypesRequest>, v1 = false): Promise<string[]> {
  const client = v1 ? fx.kiln.clients.v1 : fx.kiln.clients.v3;
  const r = await client.describeInstanceTypes(new $Ecs.DescribeInstanceTypesRequest(q));
  return (r.body?.instanceTypes?.instanceType ?? []).map((t) => t.instanceTypeId ?? '');
}

describe('DescribeInstanceTypes', () => {
  test('lists the whole catalog with its figures, parsed by the SDK, and every listed type is accepted by CreateImagePipeline', async () => {
    const r = await fx.kiln.clients.v3.describeInstanceTypes(new $Ecs.DescribeInstanceTypesRequest({}));
    const types = r.body?.instanceTypes?.instanceType ?? [];
    assert.deepEqual(types.map((t) => t.instanceTypeId), INSTANCE_TYPES.map((t) => t.instanceTypeId));
    assert.equal(r.body?.nextToken ?? '', '');
    const g6 = types.find((t) => t.instanceTypeId === DEFAULT_INSTANCE_TYPE);
    assert.ok(g6 instanceof $Ecs.DescribeInstanceTypesResponseBodyInstanceTypesInstanceType);
    assert.deepEqual(
      [g6.instanceTypeFamily, g6.cpuCoreCount, g6.memorySize, g6.cpuArchitecture, g6.instanceCategory, g6.instanceFamilyLevel, g6.GPUAmount],
      ['ecs.g6', 2, 8, 'X86', 'General-purpose', 'EnterpriseLevel', 0],
    );
    assert.equal(types.find((t) => t.instanceTypeId === 'ecs.t6-c1m2.large')?.instanceTypeFamily, 'ecs.t6');

    const v1 = await typeIds({}, true);
    assert.equal(v1.length, INSTANCE_TYPES.length);
    const pop = await fx.kiln.clients.pop.request<{ InstanceTypes: { InstanceType: Array<{ InstanceTypeId: string; MemorySize: number }> } }>('DescribeInstanceTypes', { 'InstanceTypes.1': 'ecs.r7.large' });
    assert.deepEqual(pop.InstanceTypes.InstanceType.map((t) => [t.InstanceTypeId, t.MemorySize]), [['ecs.r7.large', 16]]);

    // What a client discovers, a template accepts.
    const owner = await fx.tenant();
    for (const id of [types[0]?.instanceTypeId, types.at(-1)?.instanceTypeId]) {
      const created = await owner.v3.createImagePipeline(new $Ecs.CreateImagePipelineRequest({ regionId: REGION, baseImageType: 'IMAGE', baseImage: DEBIAN, instanceType: id }));
      assert.match(created.body?.imagePipelineId ?? '', /^ip-/);
    }
  });

  test('filters: InstanceTypes.N, family, architecture, category, level, vCPU and memory bounds, NVMe, ENIs; capabilities Kiln lacks select nothing', async () => {
    assert.deepEqual(await typeIds({ instanceTypes: ['ecs.c6.xlarge', 'ecs.g7.large', 'ecs.nope.large'] }), ['ecs.c6.xlarge', 'ecs.g7.large']);
    assert.deepEqual(await typeIds({ instanceTypeFamily: 'ecs.g6' }), ['ecs.g6.large', 'ecs.g6.xlarge', 'ecs.g6.2xlarge']);
    assert.deepEqual(await typeIds({ instanceTypeFamilies: ['ecs.r6', 'ecs.r7'] }, true), ['ecs.r6.large', 'ecs.r7.large']);
    assert.equal((await typeIds({ cpuArchitecture: 'X86' })).length, INSTANCE_TYPES.length);
    assert.deepEqual(await typeIds({ cpuArchitectures: ['ARM'] }), []);
    assert.deepEqual(await typeIds({ instanceCategory: 'Memory-optimized' }), ['ecs.r6.large', 'ecs.r7.large']);
    assert.deepEqual(await typeIds({ instanceFamilyLevel: 'CreditEntryLevel' }), ['ecs.t6-c1m1.large', 'ecs.t6-c1m2.large', 'ecs.t6-c1m4.large']);
    assert.deepEqual(await typeIds({ minimumCpuCoreCount: 8 }), ['ecs.g6.2xlarge']);
    assert.deepEqual(await typeIds({ minimumCpuCoreCount: 4, maximumCpuCoreCount: 4, minimumMemorySize: 15.5, maximumMemorySize: 16 }, true), ['ecs.g6.xlarge', 'ecs.g7.xlarge', 'ecs.g8i.xlarge']);
    assert.deepEqual(await typeIds({ nvmeSupport: 'required' }), ['ecs.g8i.large', 'ecs.g8i.xlarge']);
    assert.deepEqual(await typeIds({ minimumEniQuantity: 4 }), ['ecs.g6.2xlarge']);
    assert.deepEqual(await typeIds({ minimumGPUAmount: 1 }), []);
    assert.deepEqual(await typeIds({ GPUSpec: 'NVIDIA' }), []);
    assert.deepEqual(await typeIds({ localStorageCategory: 'local_ssd_pro' }), []);
    // Figures Kiln does not model are accepted and not applied.
    assert.equal((await typeIds({ minimumCpuSpeedFrequency: 2.5, minimumInstanceBandwidthRx: 1 })).length, INSTANCE_TYPES.length);
  });

  test('MaxResults/NextToken page through the filtered catalog once, in order; bad values are InvalidParameter*', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await fx.kiln.clients.v3.describeInstanceTypes(new $Ecs.DescribeInstanceTypesRequest({ maxResults: 4, nextToken: token, minimumCpuCoreCount: 2 }));
      const ids = (r.body?.instanceTypes?.instanceType ?? []).map((t) => t.instanceTypeId ?? '');
      assert.ok(ids.length <= 4 && ids.length > 0);
      seen.push(...ids);
      token = r.body?.nextToken || undefined;
      pages++;
    } while (token && pages < 20);
    assert.deepEqual(seen, INSTANCE_TYPES.map((t) => t.instanceTypeId));
    assert.equal(pages, Math.ceil(INSTANCE_TYPES.length / 4));

    const cases: Array<[Record<string, string>, string, number]> = [
      [{ MaxResults: '0' }, 'InvalidParameter.MaxResults', 400],
      [{ MaxResults: '101' }, 'InvalidParameter.MaxResults', 400],
      [{ NextToken: 'not-a-kiln-token' }, 'Invalid.NextToken', 403],
      [{ CpuArchitecture: 'MIPS' }, 'InvalidParameter', 400],
      [{ InstanceFamilyLevel: 'Cheap' }, 'InvalidParameter', 400],
      [{ MinimumMemorySize: 'lots' }, 'InvalidParameter', 400],
      [{ MinimumCpuCoreCount: '0' }, 'InvalidParameter', 400],
      [Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`InstanceTypes.${i + 1}`, 'ecs.g6.large'])), 'InvalidParameter', 400],
    ];
    for (const [params, code, status] of cases) {
      const e = await expectPopError(() => fx.kiln.clients.pop.request('DescribeInstanceTypes', params, { method: 'POST' }));
      assert.equal(e.code, code, JSON.stringify(params));
      assert.equal(e.status, status, JSON.stringify(params));
    }
    const v3 = await expectError(() => fx.kiln.clients.v3.describeInstanceTypes(new $Ecs.DescribeInstanceTypesRequest({ cpuArchitecture: 'MIPS' })));
    assert.equal(v3.code, 'InvalidParameter');
    assert.match(v3.message, /CpuArchitecture/);
  });
});

describe('DescribeImageSupportInstanceTypes', () => {
  const supported = async (client: 'v3' | 'v1', owner: Awaited<ReturnType<typeof fx.tenant>>, q: Partial<$Ecs.DescribeImageSupportInstanceTypesRequest>) => {
    const r = await owner[client].describeImageSupportInstanceTypes(new $Ecs.DescribeImageSupportInstanceTypesRequest({ regionId: REGION, ...q }));
    return r.body;
  };

  test('an x86_64 image (system or own) runs on every catalog type, an arm64 image on none; ImageId or Filter.N imageId', async () => {
    const owner = await fx.tenant();
    const sys = await supported('v3', owner, { imageId: DEBIAN });
    assert.equal(sys?.imageId, DEBIAN);
    assert.equal(sys?.regionId, REGION);
    const types = sys?.instanceTypes?.instanceType ?? [];
    assert.deepEqual(types.map((t) => t.instanceTypeId), INSTANCE_TYPES.map((t) => t.instanceTypeId));
    const g6 = types.find((t) => t.instanceTypeId === 'ecs.g6.xlarge');
    assert.ok(g6 instanceof $Ecs.DescribeImageSupportInstanceTypesResponseBodyInstanceTypesInstanceType);
    assert.deepEqual([g6.instanceTypeFamily, g6.cpuCoreCount, g6.memorySize], ['ecs.g6', 4, 16]);

    const x86 = await fx.seed(owner);
    const arm = await fx.seed(owner, { architecture: 'arm64' });
    assert.equal((await supported('v1', owner, { imageId: x86.imageId, actionType: 'ChangeOS' }))?.instanceTypes?.instanceType?.length, INSTANCE_TYPES.length);
    const armTypes = await supported('v3', owner, { filter: [new $Ecs.DescribeImageSupportInstanceTypesRequestFilter({ key: 'imageId', value: arm.imageId })] });
    assert.equal(armTypes?.imageId, arm.imageId);
    assert.deepEqual(armTypes?.instanceTypes?.instanceType ?? [], []);
    const pop = await owner.pop.request<{ ImageId: string; InstanceTypes: { InstanceType: unknown[] } }>('DescribeImageSupportInstanceTypes', { RegionId: REGION, ImageId: x86.imageId });
    assert.equal(pop.InstanceTypes.InstanceType.length, INSTANCE_TYPES.length);
  });

  test('an image the caller cannot see is InvalidImageId.NotFound (404); a bad ActionType or region is refused', async () => {
    const owner = await fx.tenant();
    const stranger = await fx.tenant();
    const image = await fx.seed(owner);
    for (const imageId of [image.imageId, 'm-doesnotexist']) {
      const e = await expectError(() => supported('v3', stranger, { imageId }));
      assert.equal(e.code, 'InvalidImageId.NotFound');
      assert.equal(e.statusCode, 404);
      assert.match(e.message, new RegExp(imageId));
    }
    const v1 = await expectError(() => supported('v1', stranger, { imageId: image.imageId }));
    assert.equal(v1.code, 'InvalidImageId.NotFound');
    const bad = await expectPopError(() => owner.pop.request('DescribeImageSupportInstanceTypes', { RegionId: REGION, ImageId: image.imageId, ActionType: 'Teleport' }));
    assert.equal(bad.code, 'InvalidParameter');
    assert.equal(bad.status, 400);
    const region = await expectError(() => supported('v3', owner, { regionId: 'xx-nowhere-1', imageId: image.imageId }));
    assert.equal(region.code, 'InvalidRegionId.NotFound');
  });
});

describe('DescribeInstanceTypeFamilies', () => {
  test('lists the families of the catalog with their generation; Generation filters', async () => {
    const r = await fx.kiln.clients.v3.describeInstanceTypeFamilies(new $Ecs.DescribeInstanceTypeFamiliesRequest({ regionId: REGION }));
    const families = r.body?.instanceTypeFamilies?.instanceTypeFamily ?? [];
    assert.deepEqual(families.map((f) => f.instanceTypeFamilyId).sort(), [...new Set(INSTANCE_TYPES.map((t) => t.family))].sort());
    assert.equal(families.find((f) => f.instanceTypeFamilyId === 'ecs.g6')?.generation, 'ecs-4');
    const v1 = await fx.kiln.clients.v1.describeInstanceTypeFamilies(new $Ecs.DescribeInstanceTypeFamiliesRequest({ regionId: REGION, generation: 'ecs-6' }));
    assert.deepEqual((v1.body?.instanceTypeFamilies?.instanceTypeFamily ?? []).map((f) => f.instanceTypeFamilyId), ['ecs.e', 'ecs.g8i']);
    const none = await fx.kiln.clients.v3.describeInstanceTypeFamilies(new $Ecs.DescribeInstanceTypeFamiliesRequest({ regionId: REGION, generation: 'ecs-99' }));
    assert.deepEqual(none.body?.instanceTypeFamilies?.instanceTypeFamily ?? [], []);
  });
});
