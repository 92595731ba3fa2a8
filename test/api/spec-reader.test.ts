import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bool, int, json, list, notAnInteger, notInList, notSupported, objects, str, struct, violation } from '../../src/api/operations/spec/build.js';
import type { InputOf } from '../../src/api/operations/spec/infer.js';
import { readInput, type RawParams } from '../../src/api/operations/spec/read.js';
import { KilnError } from '../../src/domain/errors.js';

/*
 * The generic wire reader, on a spec that uses every kind of parameter: each violation is
 * answered with the code and message the spec documents, and the input has the shape
 * `InputOf` says.
 */

const spec = {
  regionId: str('RegionId', { required: true }),
  kind: str('Kind', { enum: { values: ['IMAGE', 'OSS'], violation: notSupported('InvalidBaseImageType.NotSupportedValue') } }),
  type: str('ResourceType', { enum: { values: ['imagepipeline'], ignoreCase: true, violation: notSupported('InvalidResourceType.NotFound') } }),
  size: int('SystemDiskSize', {
    type: notAnInteger('InvalidSystemDiskSize.NotSupportedValue'),
    range: { min: 20, max: 500, violation: violation('InvalidSystemDiskSize.NotSupportedValue', (c) => `${c.value} is not from 20 to 500.`) },
  }),
  page: int('PageSize', { default: 10, range: { min: 1, max: 100, violation: violation('InvalidParameter.PageSize', () => 'The specified PageSize must be from 1 to 100.') } }),
  force: bool('Force', { default: false }),
  doc: json('Document'),
  name: str('Name', { length: { min: 2, max: 4, violation: violation('InvalidName.Malformed', (c) => `${c.path} is 2 to 4 characters.`) } }),
  regions: list('ToRegionId', str('ToRegionId'), {
    maxItems: { max: 2, violation: violation('InvalidToRegionIdSize.ExceededMaxNumber', (c) => `At most 2 ToRegionId values; got ${c.value}.`) },
  }),
  accounts: list('AddAccount', str('AddAccount', {
    rule: { test: (v: string) => /^\d+$/.test(v), describe: 'digits', violation: violation('InvalidParameter', (c) => `${c.path} "${c.value}" is not a number.`) },
  })),
  ids: list('ImageId', str('ImageId'), { csv: true }),
  items: list('RepairItem', str('RepairItem', { enum: { values: ['GUESTOS.Dhcp'], violation: notInList('InvalidParameter.RepairMode', 'RepairItem') } })),
  tags: objects('Tag', { key: str('Key', { default: '' }), value: str('Value', { default: '' }) }),
  options: struct('ImportImageOptions', {
    disks: objects('DiskDeviceMappings', {
      bucket: str('OSSBucket', { required: violation('MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket', (c) => `${c.path} is required.`) }),
      size: int('DiskImageSize', { type: notAnInteger('InvalidOperation.DiskImageSizeExceeded') }),
    }, { maxItems: { max: 2, violation: violation('InvalidImportImageOptionsDiskDeviceMappings.LengthLimitExceeded', (c) => `got ${c.value}`) } }),
    arch: str('Architecture', { enum: { values: ['x86_64', 'arm64'], violation: notInList('InvalidParameter.ImportImageOptionsArchitecture') } }),
    features: struct('Features', { nvme: str('NvmeSupport', { default: 'unsupported' }) }),
  }),
} as const;

type Input = InputOf<typeof spec>;

function read(raw: RawParams): Input {
  return readInput(spec, { RegionId: 'cn-hangzhou', ...raw });
}

/** Reading `raw` fails with exactly `code` and `message`. */
function rejects(raw: RawParams, code: string, message: string | RegExp): void {
  assert.throws(() => read(raw), (e: unknown) => {
    assert.ok(e instanceof KilnError, `expected a KilnError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

describe('the generic wire reader', () => {
  test('absent parameters: optional fields absent, defaults applied, lists empty, structs absent', () => {
    const input = read({});
    assert.deepEqual(input, { regionId: 'cn-hangzhou', page: 10, force: false, regions: [], accounts: [], ids: [], items: [], tags: [] });
    // Empty strings count as absent (SDKs send them for unset fields).
    assert.deepEqual(read({ Kind: '', Name: '', 'ToRegionId.1': '' }), input);
  });

  test('missing required parameter: MissingParameter.<Name> with the documented message', () => {
    assert.throws(() => readInput(spec, {}), (e: unknown) => e instanceof KilnError && e.code === 'MissingParameter.RegionId'
      && e.message === 'The input parameter "RegionId" that is mandatory for processing this request is not supplied.');
    assert.throws(() => readInput(spec, { RegionId: '' }), (e: unknown) => e instanceof KilnError && e.code === 'MissingParameter.RegionId');
  });

  test('typed values: integers (trimmed), booleans in any case, JSON', () => {
    const input = read({ SystemDiskSize: ' 40 ', PageSize: '100', Force: 'TRUE', Document: '{"a":[1]}' });
    assert.equal(input.size, 40);
    assert.equal(input.page, 100);
    assert.equal(input.force, true);
    assert.deepEqual(input.doc, { a: [1] });
    assert.equal(read({ Force: 'false' }).force, false);
  });

  test('wrong type: the parameter\'s own code, or InvalidParameter naming it', () => {
    rejects({ SystemDiskSize: '40GiB' }, 'InvalidSystemDiskSize.NotSupportedValue', 'The specified SystemDiskSize "40GiB" is not supported: an integer is expected.');
    rejects({ SystemDiskSize: '1234567890123456' }, 'InvalidSystemDiskSize.NotSupportedValue', /an integer is expected/);
    rejects({ PageSize: 'ten' }, 'InvalidParameter', 'The specified parameter "PageSize" is not valid: an integer is expected.');
    rejects({ Force: 'yes' }, 'InvalidParameter', 'The specified parameter "Force" is not valid: true or false is expected.');
    rejects({ Document: '{' }, 'InvalidParameter', 'The specified parameter "Document" is not valid: a JSON value is expected.');
  });

  test('bounds: integer ranges inclusive, string lengths, list sizes', () => {
    assert.equal(read({ SystemDiskSize: '20' }).size, 20);
    assert.equal(read({ SystemDiskSize: '500' }).size, 500);
    rejects({ SystemDiskSize: '19' }, 'InvalidSystemDiskSize.NotSupportedValue', '19 is not from 20 to 500.');
    rejects({ SystemDiskSize: '-1' }, 'InvalidSystemDiskSize.NotSupportedValue', '-1 is not from 20 to 500.');
    rejects({ PageSize: '0' }, 'InvalidParameter.PageSize', 'The specified PageSize must be from 1 to 100.');
    rejects({ PageSize: '101' }, 'InvalidParameter.PageSize', 'The specified PageSize must be from 1 to 100.');
    assert.equal(read({ Name: 'abcd' }).name, 'abcd');
    rejects({ Name: 'a' }, 'InvalidName.Malformed', 'Name is 2 to 4 characters.');
    rejects({ Name: 'abcde' }, 'InvalidName.Malformed', 'Name is 2 to 4 characters.');
    rejects({ 'ToRegionId.1': 'a', 'ToRegionId.2': 'b', 'ToRegionId.3': 'c' }, 'InvalidToRegionIdSize.ExceededMaxNumber', 'At most 2 ToRegionId values; got 3.');
  });

  test('enumerations: exact match, or any case when asked (the input holds the listed spelling)', () => {
    assert.equal(read({ Kind: 'OSS' }).kind, 'OSS');
    rejects({ Kind: 'oss' }, 'InvalidBaseImageType.NotSupportedValue', 'The specified Kind "oss" is not supported. Valid values: IMAGE, OSS.');
    assert.equal(read({ ResourceType: 'ImagePipeline' }).type, 'imagepipeline');
    rejects({ ResourceType: 'instance' }, 'InvalidResourceType.NotFound', 'The specified ResourceType "instance" is not supported. Valid values: imagepipeline.');
    rejects({ 'RepairItem.1': 'GUESTOS.Dhcp', 'RepairItem.2': 'GUESTOS.Nope' }, 'InvalidParameter.RepairMode',
      'The specified parameter RepairItem is invalid. The correct value should be in [GUESTOS.Dhcp].');
  });

  test('flattened lists: 1-based, gaps skipped, sorted by index; messages quote the position', () => {
    assert.deepEqual(read({ 'ToRegionId.3': 'c', 'ToRegionId.1': 'a' }).regions, ['a', 'c']);
    assert.deepEqual(read({ 'ToRegionId.0': 'zero', 'ToRegionId.x': 'y' }).regions, []);
    rejects({ 'AddAccount.1': '123', 'AddAccount.5': 'abc' }, 'InvalidParameter', 'AddAccount.2 "abc" is not a number.');
  });

  test('a list that may also be one comma-separated value', () => {
    assert.deepEqual(read({ ImageId: 'm-1, m-2,,' }).ids, ['m-1', 'm-2']);
    assert.deepEqual(read({ 'ImageId.1': 'm-1', 'ImageId.2': ' m-2 ' }).ids, ['m-1', 'm-2']);
  });

  test('flattened object lists: an entry per index sent, missing fields take their default', () => {
    assert.deepEqual(read({ 'Tag.2.Key': 'k2', 'Tag.1.Key': 'k1', 'Tag.1.Value': 'v1', 'Tag.7.Other': 'x' }).tags,
      [{ key: 'k1', value: 'v1' }, { key: 'k2', value: '' }, { key: '', value: '' }]);
  });

  test('objects: present when any of their keys is sent; nested lists, objects and defaults inside', () => {
    assert.equal(read({ 'ImportImageOptions.Architecture': '' }).options, undefined);
    assert.deepEqual(read({ 'ImportImageOptions.Architecture': 'arm64' }).options, { disks: [], arch: 'arm64' });
    const input = read({
      'ImportImageOptions.DiskDeviceMappings.4.OSSBucket': 'b2',
      'ImportImageOptions.DiskDeviceMappings.1.OSSBucket': 'b1',
      'ImportImageOptions.DiskDeviceMappings.1.DiskImageSize': '20',
      'ImportImageOptions.Features.ImdsSupport': 'v2',
    });
    assert.deepEqual(input.options, { disks: [{ bucket: 'b1', size: 20 }, { bucket: 'b2' }], features: { nvme: 'unsupported' } });
  });

  test('violations inside object lists and objects name the parameter as documented and by position', () => {
    rejects({ 'ImportImageOptions.DiskDeviceMappings.3.DiskImageSize': '20' }, 'MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket',
      'ImportImageOptions.DiskDeviceMappings.1.OSSBucket is required.');
    rejects({ 'ImportImageOptions.DiskDeviceMappings.1.OSSBucket': 'b', 'ImportImageOptions.DiskDeviceMappings.1.DiskImageSize': 'big' },
      'InvalidOperation.DiskImageSizeExceeded', 'The specified ImportImageOptions.DiskDeviceMappings.N.DiskImageSize "big" is not supported: an integer is expected.');
    rejects({ 'ImportImageOptions.Architecture': 'i386' }, 'InvalidParameter.ImportImageOptionsArchitecture',
      'The specified parameter ImportImageOptions.Architecture is invalid. The correct value should be in [x86_64, arm64].');
    const three = Object.fromEntries([1, 2, 3].map((n) => [`ImportImageOptions.DiskDeviceMappings.${n}.OSSBucket`, 'b']));
    rejects(three, 'InvalidImportImageOptionsDiskDeviceMappings.LengthLimitExceeded', 'got 3');
  });

  test('the input type: required and defaulted fields always there, enumerations as unions, the rest optional', () => {
    const input = read({ Kind: 'IMAGE', 'Tag.1.Key': 'k' });
    const always: { regionId: string; page: number; force: boolean; regions: string[]; tags: Array<{ key: string; value: string }> } = input;
    const kind: 'IMAGE' | 'OSS' | undefined = input.kind;
    const disks: Array<{ bucket: string; size?: number }> | undefined = input.options?.disks;
    // @ts-expect-error an optional parameter may be absent
    const size: number = input.size;
    // @ts-expect-error a value outside the enumeration is not of the input type
    const other: typeof input.kind = 'QCOW2';
    assert.deepEqual([always.tags, kind, disks, size, other], [[{ key: 'k', value: '' }], 'IMAGE', undefined, undefined, 'QCOW2']);
  });

  test('parameters are checked in the order the spec lists them', () => {
    rejects({ SystemDiskSize: 'x', Kind: 'nope' }, 'InvalidBaseImageType.NotSupportedValue', /Kind "nope"/);
    rejects({ 'RepairItem.1': 'nope', Force: 'maybe' }, 'InvalidParameter', /Force/);
  });
});
