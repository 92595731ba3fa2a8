import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SYSTEM_COMPONENTS } from '../../src/domain/catalog/system-components.js';
import { REGION, startKiln, type EcsClient, type TestKiln } from '../support/kiln.js';
import {
  $Ecs, componentIds, componentRequest, componentTags, createComponent, describeComponent, describeComponents, expectCode, popPost,
  tagPairs,
} from '../support/ecs-requests.js';
import { YAML_WITH_PARAMETERS } from './support/component-yaml.js';

/*
 * CreateImageComponent / DescribeImageComponents through the official clients against a real
 * Kiln: what a create stores, and every filter and paging of the describe (errors of a create:
 * components-create-errors.test.ts; deletes and references: components-references.test.ts).
 */

let kiln: TestKiln;
let v3: EcsClient;
let accountId = '';
const TEAM_GROUP = 'rg-kilncomponents01';

before(async () => {
  kiln = await startKiln();
  v3 = kiln.clients.v3;
  accountId = kiln.credentials.accountId;
  await kiln.app.store.resourceGroups.insert({ id: TEAM_GROUP, accountId, name: 'team', isDefault: false });
});

after(async () => {
  await kiln?.stop();
});

const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe('CreateImageComponent + DescribeImageComponents: success', () => {
  test('defaults: Linux, Build, version 1.0.0 then 2.0.0 for the same name, Owner SELF, the default resource group', async () => {
    const first = await createComponent(v3, { name: 'web-setup', content: 'RUN echo one' });
    const c = await describeComponent(v3, first);
    assert.equal(c.name, 'web-setup');
    assert.equal(c.systemType, 'Linux');
    assert.equal(c.componentType, 'Build');
    assert.equal(c.componentVersion, '1.0.0');
    assert.equal(c.owner, 'SELF');
    assert.equal(c.content, 'RUN echo one');
    assert.equal(c.description, undefined);
    assert.match(c.resourceGroupId ?? '', /^rg-/);
    assert.notEqual(c.resourceGroupId, TEAM_GROUP);
    assert.match(c.creationTime ?? '', ISO_SECONDS);
    assert.deepEqual(c.parameters?.parameter ?? [], []);
    assert.deepEqual(c.tags?.tag ?? [], []);

    const second = await createComponent(v3, { name: 'web-setup', content: 'RUN echo two' });
    assert.notEqual(second, first);
    assert.equal((await describeComponent(v3, second)).componentVersion, '2.0.0');
  });

  test('an explicit version, and the next default is the highest major + 1', async () => {
    const explicit = await createComponent(v3, { name: 'versioned', componentVersion: '4.2.7' });
    assert.equal((await describeComponent(v3, explicit)).componentVersion, '4.2.7');
    const older = await createComponent(v3, { name: 'versioned', componentVersion: '1.9.0' });
    assert.equal((await describeComponent(v3, older)).componentVersion, '1.9.0');
    const next = await createComponent(v3, { name: 'versioned' });
    assert.equal((await describeComponent(v3, next)).componentVersion, '5.0.0');
  });

  test('Name defaults to the id', async () => {
    const id = await createComponent(v3, {});
    assert.equal((await describeComponent(v3, id)).name, id);
  });

  test('every parameter round-trips (signed with V1)', async () => {
    const res = await kiln.clients.v1.createImageComponent(componentRequest({
      name: 'full.component:x_y', description: 'All the fields', systemType: 'Linux', componentType: 'Test',
      componentVersion: '0.3.1', content: 'RUN test -f /etc/os-release\nRUN test -d /tmp', tag: componentTags([['team', 'qa'], ['empty', '']]),
      resourceGroupId: TEAM_GROUP,
    }));
    const id = res.body!.imageComponentId!;
    const c = await describeComponent(kiln.clients.v1, id);
    assert.equal(c.name, 'full.component:x_y');
    assert.equal(c.description, 'All the fields');
    assert.equal(c.systemType, 'Linux');
    assert.equal(c.componentType, 'Test');
    assert.equal(c.componentVersion, '0.3.1');
    assert.equal(c.content, 'RUN test -f /etc/os-release\nRUN test -d /tmp');
    assert.deepEqual(tagPairs(c.tags), [['empty', ''], ['team', 'qa']]);
    assert.equal(c.resourceGroupId, TEAM_GROUP);
    assert.equal(c.owner, 'SELF');
  });

  test('a YAML component reports its Parameters (Name, Type, DefaultValue)', async () => {
    const id = await createComponent(v3, { name: 'yaml-params', content: YAML_WITH_PARAMETERS });
    const c = await describeComponent(v3, id);
    assert.equal(c.content, YAML_WITH_PARAMETERS);
    assert.deepEqual(
      (c.parameters?.parameter ?? []).map((p) => [p.name, p.type, p.defaultValue]),
      [['greeting', 'String', 'hello'], ['retries', 'Number', undefined], ['verbose', 'Boolean', 'false']],
    );
  });

  test('a Windows YAML component (pop-core, form body)', async () => {
    const content = [
      'Parameters:',
      '  message:',
      '    Type: String',
      '    DefaultValue: hi',
      'Tasks:',
      '  - Name: HelloWorld',
      '    Action: RunPowerShellCommand',
      '    Properties:',
      '      commandContent: Write-Host {{ message }}',
    ].join('\n');
    const res = await popPost(kiln.clients.pop, 'CreateImageComponent', {
      Name: 'win-hello', SystemType: 'Windows', ComponentType: 'Test', ComponentVersion: '1.1.1', Content: content,
    });
    const c = await describeComponent(v3, res.ImageComponentId as string);
    assert.equal(c.systemType, 'Windows');
    assert.equal(c.componentType, 'Test');
    assert.deepEqual((c.parameters?.parameter ?? []).map((p) => [p.name, p.type, p.defaultValue]), [['message', 'String', 'hi']]);
  });
});

describe('DescribeImageComponents: filters and paging', () => {
  const ids: Record<string, string> = {};
  before(async () => {
    ids.a100 = await createComponent(v3, { name: 'filter-me', componentVersion: '1.0.0', tag: componentTags([['tier', 'gold']]) });
    ids.a110 = await createComponent(v3, { name: 'filter-me', componentVersion: '1.1.0' });
    ids.a120 = await createComponent(v3, { name: 'filter-me', componentVersion: '1.2.0', resourceGroupId: TEAM_GROUP });
    ids.a121 = await createComponent(v3, { name: 'filter-me', componentVersion: '1.2.1' });
    ids.a200 = await createComponent(v3, { name: 'filter-me', componentVersion: '2.0.0', tag: componentTags([['tier', 'silver']]) });
    ids.test = await createComponent(v3, { name: 'filter-test', componentType: 'Test', content: 'RUN true' });
    ids.win = await createComponent(v3, {
      name: 'filter-win', systemType: 'Windows',
      content: 'Tasks:\n  - Name: T\n    Action: RunPowerShellCommand\n    Properties:\n      commandContent: dir',
    });
  });

  const sorted = (list: string[]): string[] => [...list].sort();

  test('by ImageComponentId.N', async () => {
    const body = await describeComponents(v3, { imageComponentId: [ids.a110!, ids.win!] });
    assert.equal(body.totalCount, 2);
    assert.deepEqual(sorted(componentIds(body)), sorted([ids.a110!, ids.win!]));
    assert.equal((await describeComponents(v3, { imageComponentId: ['ic-nothere'] })).totalCount, 0);
  });

  test('by Name (exact match): every version', async () => {
    const body = await describeComponents(v3, { name: 'filter-me' });
    assert.deepEqual(sorted(componentIds(body)), sorted([ids.a100!, ids.a110!, ids.a120!, ids.a121!, ids.a200!]));
    assert.equal((await describeComponents(v3, { name: 'filter' })).totalCount, 0);
  });

  test('ComponentVersion: exact, `1.*.0`, `*.0.0`, `1.2.*`; ignored without Name', async () => {
    const byVersion = async (componentVersion: string, withName = true): Promise<string[]> =>
      sorted(componentIds(await describeComponents(v3, { name: withName ? 'filter-me' : undefined, componentVersion, maxResults: 500 })));
    assert.deepEqual(await byVersion('1.1.0'), [ids.a110!]);
    assert.deepEqual(await byVersion('1.*.0'), sorted([ids.a100!, ids.a110!, ids.a120!]));
    assert.deepEqual(await byVersion('*.0.0'), sorted([ids.a100!, ids.a200!]));
    assert.deepEqual(await byVersion('1.2.*'), sorted([ids.a120!, ids.a121!]));
    assert.deepEqual(await byVersion('9.9.9'), []);
    const all = await byVersion('1.*.0', false);
    for (const id of Object.values(ids)) assert.ok(all.includes(id), `${id} listed when ComponentVersion comes without Name`);
  });

  test('ComponentType and SystemType', async () => {
    const tests = componentIds(await describeComponents(v3, { componentType: 'Test', maxResults: 500 }));
    assert.ok(tests.includes(ids.test!));
    assert.ok(!tests.includes(ids.a100!));
    const windows = componentIds(await describeComponents(v3, { systemType: 'Windows', maxResults: 500 }));
    assert.ok(windows.includes(ids.win!));
    assert.ok(!windows.includes(ids.a100!));
    const linuxTests = await describeComponents(v3, { componentType: 'Test', systemType: 'Linux', name: 'filter-test' });
    assert.deepEqual(componentIds(linuxTests), [ids.test!]);
  });

  test('ResourceGroupId and Tag.N', async () => {
    assert.deepEqual(componentIds(await describeComponents(v3, { name: 'filter-me', resourceGroupId: TEAM_GROUP })), [ids.a120!]);
    const gold = await describeComponents(v3, { tag: [new $Ecs.DescribeImageComponentsRequestTag({ key: 'tier', value: 'gold' })] });
    assert.deepEqual(componentIds(gold), [ids.a100!]);
    const anyTier = await describeComponents(v3, { tag: [new $Ecs.DescribeImageComponentsRequestTag({ key: 'tier' })] });
    assert.deepEqual(sorted(componentIds(anyTier)), sorted([ids.a100!, ids.a200!]));
  });

  test('Owner=ALIYUN lists exactly the system components; the default (SELF) and Owner=SELF exclude them', async () => {
    const system = await describeComponents(v3, { owner: 'ALIYUN', maxResults: 500 });
    assert.equal(system.totalCount, SYSTEM_COMPONENTS.length);
    assert.deepEqual(sorted(componentIds(system)), sorted(SYSTEM_COMPONENTS.map((c) => c.id)));
    for (const c of system.imageComponent?.imageComponentSet ?? []) assert.equal(c.owner, 'ALIYUN');
    const systemTests = await describeComponents(v3, { owner: 'ALIYUN', componentType: 'Test' });
    assert.equal(systemTests.totalCount, SYSTEM_COMPONENTS.filter((c) => c.componentType === 'Test').length);
    const byName = await describeComponents(v3, { owner: 'ALIYUN', name: 'create-user-linux' });
    assert.deepEqual((byName.imageComponent?.imageComponentSet?.[0]?.parameters?.parameter ?? []).map((p) => [p.name, p.type, p.defaultValue]),
      [['userName', 'String', 'admin']]);

    for (const owner of [undefined, 'SELF']) {
      const mine = await describeComponents(v3, { owner, maxResults: 500 });
      const listed = componentIds(mine);
      for (const c of SYSTEM_COMPONENTS) assert.ok(!listed.includes(c.id), `${c.id} is not listed for Owner=${owner}`);
      for (const c of mine.imageComponent?.imageComponentSet ?? []) assert.equal(c.owner, 'SELF');
      assert.ok(listed.includes(ids.a100!));
    }
  });

  test('paging: MaxResults=2 walks every component exactly once, TotalCount stable, empty NextToken at the end', async () => {
    const total = (await describeComponents(v3, { maxResults: 500 })).totalCount!;
    assert.ok(total >= 7);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await describeComponents(v3, { maxResults: 2, nextToken: token });
      assert.equal(page.totalCount, total);
      assert.equal(page.maxResults, 2);
      assert.ok(componentIds(page).length <= 2);
      seen.push(...componentIds(page));
      token = page.nextToken;
      pages++;
      assert.ok(pages <= total, 'paging terminates');
    } while (token);
    assert.equal(seen.length, total);
    assert.equal(new Set(seen).size, total);
    assert.equal(pages, Math.ceil(total / 2));
  });

  test('paging over the system components (Owner=ALIYUN, MaxResults=2)', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await describeComponents(v3, { owner: 'ALIYUN', maxResults: 2, nextToken: token });
      seen.push(...componentIds(page));
      token = page.nextToken;
    } while (token);
    assert.deepEqual(sorted(seen), sorted(SYSTEM_COMPONENTS.map((c) => c.id)));
  });

  test('errors: InvalidParameter.Owner, InvalidImageComponentIdSize.ExceededMaxNumber, type/system/version/name values, Invalid.NextToken', async () => {
    const describeFails = (fields: Parameters<typeof describeComponents>[1], code: string, status: number) =>
      expectCode(() => v3.describeImageComponents(new $Ecs.DescribeImageComponentsRequest({ regionId: REGION, ...fields })), code, status);
    const e = await describeFails({ owner: 'OTHERS' }, 'InvalidParameter.Owner', 400);
    assert.equal(e.data.Message, 'The specified parameter "Owner" is not valid.');
    await describeFails({ imageComponentId: Array.from({ length: 21 }, (_, i) => `ic-${i}`) }, 'InvalidImageComponentIdSize.ExceededMaxNumber', 400);
    assert.equal((await describeComponents(v3, { imageComponentId: Array.from({ length: 20 }, (_, i) => `ic-${i}`) })).totalCount, 0);
    await describeFails({ componentType: 'Deploy' }, 'InvalidComponentType.NotSupportedValue', 400);
    await describeFails({ systemType: 'MacOS' }, 'InvalidSystemType.NotSupportedValue', 400);
    await describeFails({ name: 'filter-me', componentVersion: '*.*.0' }, 'InvalidParameter.ComponentVersion', 400);
    await describeFails({ name: 'filter-me', componentVersion: '1.x.0' }, 'InvalidParameter.ComponentVersion', 400);
    await describeFails({ nextToken: 'garbage-token' }, 'Invalid.NextToken', 403);
    await describeFails({ maxResults: 0 }, 'InvalidParameter.MaxResults', 400);
    await describeFails({ maxResults: 501 }, 'InvalidParameter.MaxResults', 400);
  });
});
