import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { REGION } from '../support/kiln.js';
import {
  $Ecs, componentRequest, componentTags, createComponent, describeComponents, expectCode, expectPopCode, popPost,
  type ComponentFields,
} from '../support/ecs-requests.js';
import { kilnFixture } from '../support/kiln-fixture.js';
import { rejectionMessage } from './support/rejection.js';

/*
 * CreateImageComponent's errors through the official clients against a real Kiln: parameters,
 * content and the quota, each with its documented HTTP status.
 */

const api = kilnFixture();

/** Creation must fail with `code`/`status`; returns the error message. */
const rejects = (fields: ComponentFields, code: string, status: number): Promise<string> =>
  rejectionMessage(() => api.v3.createImageComponent(componentRequest(fields)), code, status);

describe('CreateImageComponent: errors', () => {
  test('InvalidComponentVersion.Exist (403) for an existing Name + ComponentVersion', async () => {
    await createComponent(api.v3, { name: 'dup-version', componentVersion: '1.0.0' });
    const msg = await rejects({ name: 'dup-version', componentVersion: '1.0.0' }, 'InvalidComponentVersion.Exist', 403);
    assert.equal(msg, 'The specified ComponentVersion does exist with the specified Name.');
    // The same version under another name is fine.
    await createComponent(api.v3, { name: 'dup-version-2', componentVersion: '1.0.0' });
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
  const small = kilnFixture({ KILN_COMPONENT_QUOTA: '1' });

  test('5 concurrent creates against a quota of 1: exactly 1 succeeds', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) =>
      small.v3.createImageComponent(componentRequest({ regionId: 'cn-shenzhen', name: `racer-${i}` })).then(
        (r) => r.body?.imageComponentId ?? 'no id',
        (e: { code?: string }) => e.code ?? 'no code',
      )));
    assert.equal(results.filter((r) => r.startsWith('ic-')).length, 1, results.join(', '));
    assert.equal(results.filter((r) => r === 'QuotaExceed.ImageComponent').length, 4, results.join(', '));
    assert.equal((await describeComponents(small.v3, { regionId: 'cn-shenzhen' })).totalCount, 1);
  });

  test('the second component of a region is refused (400), a new version counts too', async () => {
    const first = await createComponent(small.v3, { name: 'only-one' });
    await expectCode(() => small.v3.createImageComponent(componentRequest({ name: 'only-one' })), 'QuotaExceed.ImageComponent', 400);
    await expectPopCode(() => popPost(small.kiln.clients.pop, 'CreateImageComponent', { Content: 'RUN true' }), 'QuotaExceed.ImageComponent', 400);
    assert.equal((await describeComponents(small.v3)).totalCount, 1);
    await small.v3.deleteImageComponent(new $Ecs.DeleteImageComponentRequest({ regionId: REGION, imageComponentId: first }));
    await createComponent(small.v3, { name: 'only-one' });
  });
});
