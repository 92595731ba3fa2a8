import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SYSTEM_COMPONENTS } from '../../src/domain/catalog/system-components.js';
import { expectError, REGION, startKiln, type EcsClient, type TestKiln } from '../support/kiln.js';
import { createAccount } from '../../src/auth/accounts.js';
import {
  $Ecs, componentIds, componentRequest, componentTags, createComponent, createPipeline, describeComponent, describeComponents,
  expectCode, expectPopCode, pipelineRequest, popPost, tagPairs, type ComponentFields,
} from '../support/ecs-requests.js';

/*
 * CreateImageComponent / DescribeImageComponents / DeleteImageComponent through the
 * official clients against a real Kiln.
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

async function rejects(fields: ComponentFields, code: string, status: number): Promise<string> {
  const e = await expectCode(() => v3.createImageComponent(componentRequest(fields)), code, status);
  return e.data.Message as string;
}

function deleteRequest(id: string | undefined): $Ecs.DeleteImageComponentRequest {
  return new $Ecs.DeleteImageComponentRequest({ regionId: REGION, imageComponentId: id });
}

const YAML_WITH_PARAMETERS = [
  'Parameters:',
  '  greeting:',
  '    Type: String',
  '    DefaultValue: hello',
  '  retries:',
  '    Type: Number',
  '  verbose:',
  '    Type: Boolean',
  '    DefaultValue: false',
  'Tasks:',
  '  - Name: Greet',
  '    Action: RunShellCommand',
  '    Properties:',
  '      commandContent: echo {{ greeting }} {{ retries }} {{ verbose }}',
  '  - Name: Again',
  '    Action: RunShellCommand',
  '    Properties:',
  '      commandContent: echo "{{ Greet.stdout }}"',
].join('\n');

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

describe('CreateImageComponent: errors', () => {
  test('InvalidComponentVersion.Exist (403) for an existing Name + ComponentVersion', async () => {
    await createComponent(v3, { name: 'dup-version', componentVersion: '1.0.0' });
    const msg = await rejects({ name: 'dup-version', componentVersion: '1.0.0' }, 'InvalidComponentVersion.Exist', 403);
    assert.equal(msg, 'The specified ComponentVersion does exist with the specified Name.');
    // The same version under another name is fine.
    await createComponent(v3, { name: 'dup-version-2', componentVersion: '1.0.0' });
  });

  test('InvalidParameter.ComponentVersion (400)', async () => {
    for (const componentVersion of ['1.0', 'v1.0.0', '1.0.0.0', '01.0.0', '1.*.0', '-1.0.0']) {
      await rejects({ componentVersion }, 'InvalidParameter.ComponentVersion', 400);
    }
  });

  test('InvalidSystemType.NotSupportedValue and InvalidComponentType.NotSupportedValue (400)', async () => {
    await rejects({ systemType: 'linux' }, 'InvalidSystemType.NotSupportedValue', 400);
    await rejects({ componentType: 'Deploy' }, 'InvalidComponentType.NotSupportedValue', 400);
  });

  test('InvalidName.Malformed and InvalidDescription.Malformed (400)', async () => {
    for (const name of ['x', '1component', 'https://c', 'n'.repeat(129)]) await rejects({ name }, 'InvalidName.Malformed', 400);
    for (const description of ['x', 'http://example.com', 'd'.repeat(257)]) await rejects({ description }, 'InvalidDescription.Malformed', 400);
  });

  test('MissingParameter.Content (400): absent, blank, only comments', async () => {
    await rejects({ content: undefined }, 'MissingParameter.Content', 400);
    await rejects({ content: '   \n  ' }, 'MissingParameter.Content', 400);
    await rejects({ content: '# nothing here\n' }, 'MissingParameter.Content', 400);
  });

  test('InvalidContent.LengthExceeded (400) past 16 KB', async () => {
    await rejects({ content: `RUN echo ${'y'.repeat(16 * 1024)}` }, 'InvalidContent.LengthExceeded', 400);
  });

  test('InvalidCommand.Component (400): COMPONENT inside a component, naming the line', async () => {
    assert.match(await rejects({ content: 'RUN a\nCOMPONENT ic-system-cleanup-linux' }, 'InvalidCommand.Component', 400), /line 2/);
  });

  test('NotSupportedCommand.FROM (404, as documented)', async () => {
    await rejects({ content: 'FROM IMAGE:busybox_x64_20G_kiln_base.vhd\nRUN a' }, 'NotSupportedCommand.FROM', 404);
  });

  test('Dockerfile-style command errors apply to components too', async () => {
    await rejects({ content: 'RUN' }, 'EmptyCommandContent.RUN', 400);
    await rejects({ content: 'RESTART please' }, 'NotEmptyCommandContent.RESTART', 400);
    await rejects({ content: 'ADD x y' }, 'InvalidImageTemplateCommand.NotSupported', 400);
    await rejects({ content: Array.from({ length: 128 }, () => 'RUN true').join('\n') }, 'InvalidImageTemplateCommandSize.ExceededMaxNumber', 400);
  });

  test('InvalidParameter.Content (400) for bad YAML, naming the line', async () => {
    const syntax = 'Tasks:\n  - Name: A\n    Action: RunShellCommand\n    Properties: [unclosed\n';
    assert.match(await rejects({ content: syntax }, 'InvalidParameter.Content', 400), /^line \d+: /);
    const unknownAction = 'Tasks:\n  - Name: A\n    Action: RunShellCommand\n    Properties:\n      commandContent: ls\n  - Name: B\n    Action: LaunchRockets\n';
    assert.match(await rejects({ content: unknownAction }, 'InvalidParameter.Content', 400), /^line 7: /);
    const badType = 'Parameters:\n  p:\n    Type: Integer\nTasks:\n  - Name: A\n    Action: RunShellCommand\n    Properties:\n      commandContent: ls';
    assert.match(await rejects({ content: badType }, 'InvalidParameter.Content', 400), /^line 3: /);
    // A Windows-only action in a Linux component.
    const wrongOs = 'Tasks:\n  - Name: A\n    Action: RunPowerShellCommand\n    Properties:\n      commandContent: dir';
    await rejects({ content: wrongOs }, 'InvalidParameter.Content', 400);
  });

  test('InvalidResourceGroup.NotFound (404)', async () => {
    assert.equal(await rejects({ resourceGroupId: 'rg-nothere' }, 'InvalidResourceGroup.NotFound', 404), 'The ResourceGroup provided does not exist in our records.');
  });

  test('tag errors: InvalidTagKey.Malformed, InvalidTagValue.Malformed, Duplicate.TagKey (400)', async () => {
    await rejects({ tag: componentTags([['acs:x', 'v']]) }, 'InvalidTagKey.Malformed', 400);
    await rejects({ tag: componentTags([['k', 'acs:v']]) }, 'InvalidTagValue.Malformed', 400);
    await rejects({ tag: componentTags([['k', 'a'], ['k', 'b']]) }, 'Duplicate.TagKey', 400);
  });
});

describe('QuotaExceed.ImageComponent', () => {
  let small: TestKiln;
  before(async () => {
    small = await startKiln({ KILN_COMPONENT_QUOTA: '1' });
  });
  after(async () => {
    await small?.stop();
  });

  test('5 concurrent creates against a quota of 1: exactly 1 succeeds', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) =>
      small.clients.v3.createImageComponent(componentRequest({ regionId: 'cn-shenzhen', name: `racer-${i}` })).then(
        (r) => r.body?.imageComponentId ?? 'no id',
        (e: { code?: string }) => e.code ?? 'no code',
      )));
    assert.equal(results.filter((r) => r.startsWith('ic-')).length, 1, results.join(', '));
    assert.equal(results.filter((r) => r === 'QuotaExceed.ImageComponent').length, 4, results.join(', '));
    assert.equal((await describeComponents(small.clients.v3, { regionId: 'cn-shenzhen' })).totalCount, 1);
  });

  test('the second component of a region is refused (400), a new version counts too', async () => {
    const first = await createComponent(small.clients.v3, { name: 'only-one' });
    await expectCode(() => small.clients.v3.createImageComponent(componentRequest({ name: 'only-one' })), 'QuotaExceed.ImageComponent', 400);
    await expectPopCode(() => popPost(small.clients.pop, 'CreateImageComponent', { Content: 'RUN true' }), 'QuotaExceed.ImageComponent', 400);
    assert.equal((await describeComponents(small.clients.v3)).totalCount, 1);
    await small.clients.v3.deleteImageComponent(new $Ecs.DeleteImageComponentRequest({ regionId: REGION, imageComponentId: first }));
    await createComponent(small.clients.v3, { name: 'only-one' });
  });
});

describe('DeleteImageComponent', () => {
  test('deletes; then InvalidImageComponent.NotFound (404); MissingParameter.ImageComponentId (400)', async () => {
    const id = await createComponent(v3, { name: 'short-lived', tag: componentTags([['k', 'v']]) });
    const res = await v3.deleteImageComponent(deleteRequest(id));
    assert.equal(res.statusCode, 200);
    assert.match(res.body?.requestId ?? '', /^[0-9A-F-]{36}$/);
    assert.equal((await describeComponents(v3, { imageComponentId: [id] })).totalCount, 0);
    assert.equal((await describeComponents(v3, { name: 'short-lived' })).totalCount, 0);
    await expectCode(() => v3.deleteImageComponent(deleteRequest(id)), 'InvalidImageComponent.NotFound', 404);
    await expectCode(() => v3.deleteImageComponent(deleteRequest(undefined)), 'MissingParameter.ImageComponentId', 400);
    await expectPopCode(() => popPost(kiln.clients.pop, 'DeleteImageComponent', { ImageComponentId: 'ic-never' }), 'InvalidImageComponent.NotFound', 404);
  });

  test('InvalidImageComponent.InUse (403) while a template references it by id; deletable once the template is gone', async () => {
    const id = await createComponent(v3, { name: 'in-use-by-id' });
    const pipeline = await createPipeline(v3, { buildContent: `RUN echo before\nCOMPONENT ${id}` });
    const e = await expectCode(() => v3.deleteImageComponent(deleteRequest(id)), 'InvalidImageComponent.InUse', 403);
    assert.equal(e.data.Message, 'The current component is being used by the image pipeline and cannot be deleted.');
    assert.equal((await describeComponents(v3, { imageComponentId: [id] })).totalCount, 1);
    await v3.deleteImagePipeline(new $Ecs.DeleteImagePipelineRequest({ regionId: REGION, imagePipelineId: pipeline }));
    await v3.deleteImageComponent(deleteRequest(id));
    assert.equal((await describeComponents(v3, { imageComponentId: [id] })).totalCount, 0);
  });

  test('InvalidImageComponent.InUse (403) while a template references it by ARN (acs:ecs:…:imagecomponent/<name>/1.*.*)', async () => {
    const v100 = await createComponent(v3, { name: 'in-use-by-arn', componentVersion: '1.0.0' });
    const v130 = await createComponent(v3, { name: 'in-use-by-arn', componentVersion: '1.3.0' });
    const v200 = await createComponent(v3, { name: 'in-use-by-arn', componentVersion: '2.0.0' });
    const arn = `acs:ecs:${REGION}:${accountId}:imagecomponent/in-use-by-arn/1.*.*`;
    const pipeline = await createPipeline(v3, { buildContent: `COMPONENT ${arn}` });
    // The ARN resolved to the highest 1.x.x version: that one is in use, the others are not.
    await expectCode(() => v3.deleteImageComponent(deleteRequest(v130)), 'InvalidImageComponent.InUse', 403);
    await v3.deleteImageComponent(deleteRequest(v200));
    await v3.deleteImageComponent(deleteRequest(v100));
    await v3.deleteImagePipeline(new $Ecs.DeleteImagePipelineRequest({ regionId: REGION, imagePipelineId: pipeline }));
    await v3.deleteImageComponent(deleteRequest(v130));
    assert.equal((await describeComponents(v3, { name: 'in-use-by-arn' })).totalCount, 0);
  });

  test('a TestContent reference also keeps a component in use', async () => {
    const id = await createComponent(v3, { name: 'in-use-test', componentType: 'Test', content: 'RUN true' });
    const pipeline = await createPipeline(v3, { testContent: `COMPONENT ${id}` });
    await expectCode(() => v3.deleteImageComponent(deleteRequest(id)), 'InvalidImageComponent.InUse', 403);
    await v3.deleteImagePipeline(new $Ecs.DeleteImagePipelineRequest({ regionId: REGION, imagePipelineId: pipeline }));
    await v3.deleteImageComponent(deleteRequest(id));
  });

  test('racing a delete against a template that references the component: never both succeed', async () => {
    for (let round = 0; round < 8; round++) {
      const id = await createComponent(v3, { name: `race-${round}` });
      const [created, deleted] = await Promise.all([
        v3.createImagePipeline(pipelineRequest({ buildContent: `COMPONENT ${id}` })).then((r) => r.body?.imagePipelineId, (e: { code?: string }) => e.code),
        v3.deleteImageComponent(deleteRequest(id)).then(() => 'deleted', (e: { code?: string }) => e.code),
      ]);
      if (created?.startsWith('ip-')) {
        assert.equal(deleted, 'InvalidImageComponent.InUse', `round ${round}: the template exists, so the delete must fail`);
        assert.equal((await describeComponents(v3, { imageComponentId: [id] })).totalCount, 1);
      } else {
        assert.equal(created, 'ImageComponent.NotFound', `round ${round}`);
        assert.equal(deleted, 'deleted', `round ${round}`);
      }
    }
  });

  test('a system component cannot be deleted and stays listed', async () => {
    await expectError(() => v3.deleteImageComponent(deleteRequest('ic-system-cleanup-linux')));
    assert.equal((await describeComponents(v3, { owner: 'ALIYUN', imageComponentId: ['ic-system-cleanup-linux'] })).totalCount, 1);
  });

  test('a component of another region is not found from this region', async () => {
    const res = await v3.createImageComponent(componentRequest({ regionId: 'cn-beijing' }));
    const id = res.body!.imageComponentId!;
    await expectCode(() => v3.deleteImageComponent(deleteRequest(id)), 'InvalidImageComponent.NotFound', 404);
    await v3.deleteImageComponent(new $Ecs.DeleteImageComponentRequest({ regionId: 'cn-beijing', imageComponentId: id }));
  });
});

describe('templates using components', () => {
  test('a YAML component with --param values: accepted; undeclared or ill-typed params: InvalidParameter.BuildContent (400)', async () => {
    const id = await createComponent(v3, { name: 'yaml-for-template', content: YAML_WITH_PARAMETERS });
    const ok = await createPipeline(v3, { buildContent: `COMPONENT ${id} --greeting "good morning" --retries 3 --verbose true` });
    assert.match(ok, /^ip-/);
    // `retries` has no default, so it must be given.
    const missing = await expectCode(() => v3.createImagePipeline(pipelineRequest({ buildContent: `RUN a\nCOMPONENT ${id}` })), 'InvalidParameter.BuildContent', 400);
    assert.match(missing.data.Message as string, /line 2/);
    const undeclared = await expectCode(
      () => v3.createImagePipeline(pipelineRequest({ buildContent: `COMPONENT ${id} --retries 1 --colour blue` })),
      'InvalidParameter.BuildContent', 400,
    );
    assert.match(undeclared.data.Message as string, /colour/);
    await expectCode(
      () => v3.createImagePipeline(pipelineRequest({ buildContent: `COMPONENT ${id} --retries many` })),
      'InvalidParameter.BuildContent', 400,
    );
  });

  test('by ARN with a wildcard version, and a Dockerfile component takes no parameters', async () => {
    const id = await createComponent(v3, { name: 'docker-comp', componentVersion: '3.1.4' });
    await createPipeline(v3, { buildContent: `COMPONENT acs:ecs:${REGION}:${accountId}:imagecomponent/docker-comp/3.*.*` });
    await createPipeline(v3, { buildContent: `COMPONENT acs:ecs:${REGION}:${accountId}:imagecomponent/docker-comp:3.1.4` });
    await expectCode(() => v3.createImagePipeline(pipelineRequest({ buildContent: `COMPONENT acs:ecs:${REGION}:${accountId}:imagecomponent/docker-comp/4.*.*` })),
      'ImageComponent.NotFound', 404);
    await expectCode(() => v3.createImagePipeline(pipelineRequest({ buildContent: `COMPONENT ${id} --x 1` })), 'InvalidParameter.BuildContent', 400);
  });

  test('another account cannot use or see my component', async () => {
    const id = await createComponent(v3, { name: 'private-comp' });
    const other = await createAccount(kiln.app.store, kiln.config.regions.map((r) => r.regionId));
    const theirs = kiln.clientsFor(other.accessKey.id, other.accessKey.secret);
    await expectCode(() => theirs.v3.createImagePipeline(pipelineRequest({ buildContent: `COMPONENT ${id}` })), 'ImageComponent.NotFound', 404);
    await expectCode(() => theirs.v3.deleteImageComponent(deleteRequest(id)), 'InvalidImageComponent.NotFound', 404);
    assert.equal((await describeComponents(theirs.v3, { imageComponentId: [id] })).totalCount, 0);
  });
});
