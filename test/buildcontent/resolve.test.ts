import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ImageComponent } from '../../src/domain/component.js';
import { isKilnError } from '../../src/domain/errors.js';
import {
  declaredParameters,
  parseContent,
  resolveComponents,
  type ComponentLookup,
  type ResolvedComponentInstruction,
  type ResolvedContent,
} from '../../src/domain/buildcontent/index.js';

const ME = '1001';
const OTHER = '2002';
const REGION = 'cn-hangzhou';
const ctx = { accountId: ME, regionId: REGION };

const YAML_WITH_PARAMS = `Parameters:
  target:
    Type: String
  count:
    Type: Number
    DefaultValue: 1
  verbose:
    Type: Boolean
    DefaultValue: false
Tasks:
  - Name: run
    Action: RunShellCommand
    Properties:
      commandContent: echo {{ target }} {{ count }} {{ verbose }}
`;

const WINDOWS_YAML = `Tasks:
  - Name: hello
    Action: RunPowerShellCommand
    Properties:
      commandContent: Write-Output hello
`;

let seq = 0;
function component(fields: Partial<ImageComponent> & { name: string }): ImageComponent {
  seq++;
  return {
    id: `ic-${seq.toString().padStart(4, '0')}`,
    accountId: ME,
    regionId: REGION,
    systemType: 'Linux',
    componentType: 'Build',
    componentVersion: '1.0.0',
    content: 'RUN echo hi',
    owner: fields.accountId === '0' ? 'ALIYUN' : 'SELF',
    parameters: [],
    tags: [],
    creationTime: '2024-01-01T00:00:00Z',
    ...fields,
  };
}

const plain = component({ id: 'ic-plain', name: 'plain' });
const withParams = component({ id: 'ic-params', name: 'params', content: YAML_WITH_PARAMS });
const testComponent = component({ id: 'ic-test', name: 'checks', componentType: 'Test', content: 'RUN test -f /etc/hosts' });
const othersComponent = component({ id: 'ic-others', name: 'web', accountId: OTHER });
const otherRegion = component({ id: 'ic-beijing', name: 'plain', regionId: 'cn-beijing' });
// System components live in one region in the store but are visible everywhere.
const system = component({ id: 'ic-system', name: 'sys-update', accountId: '0', regionId: 'cn-beijing' });
const windowsYaml = component({ id: 'ic-win', name: 'win', systemType: 'Windows', content: WINDOWS_YAML });
const windowsDockerfile = component({ id: 'ic-win-df', name: 'win-df', systemType: 'Windows', content: 'RUN echo' });
const broken = component({ id: 'ic-broken', name: 'broken', content: 'ADD legacy /opt' });
const webVersions = ['1.0.1', '1.0.3', '1.1.0', '2.0.0'].map((v) =>
  component({ id: `ic-web-${v}`, name: 'web', componentVersion: v }),
);
const numericVersions = ['1.0.9', '1.0.10', '1.0.2'].map((v) =>
  component({ id: `ic-num-${v}`, name: 'num', componentVersion: v }),
);

const all = [
  plain, withParams, testComponent, othersComponent, otherRegion, system,
  windowsYaml, windowsDockerfile, broken, ...webVersions, ...numericVersions,
];

/** A store-shaped fake: byId is global; versionsByName is scoped to the region (system ones everywhere). */
const lookup: ComponentLookup = {
  byId: async (id) => all.find((c) => c.id === id),
  versionsByName: async (accountId, name) =>
    all.filter((c) => c.accountId === accountId && c.name === name && (c.regionId === REGION || c.accountId === '0')),
};

async function resolve(text: string, kind: 'build' | 'test' = 'build'): Promise<ResolvedContent> {
  return resolveComponents(parseContent(text, kind), kind, lookup, ctx);
}

function components(r: ResolvedContent): ResolvedComponentInstruction[] {
  return r.instructions.filter((i): i is ResolvedComponentInstruction => i.keyword === 'COMPONENT');
}

async function rejects(text: string, code: string, line: number, kind: 'build' | 'test' = 'build', mentions?: string): Promise<void> {
  await assert.rejects(resolve(text, kind), (e: unknown) => {
    assert.ok(isKilnError(e), `expected a KilnError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.ok(e.message.startsWith(`line ${line}: `), e.message);
    if (mentions !== undefined) assert.ok(e.message.includes(mentions), `"${e.message}" should mention ${mentions}`);
    return true;
  });
}

const arn = (account: string, rest: string, region = REGION): string => `acs:ecs:${region}:${account}:imagecomponent/${rest}`;

describe('resolveComponents: finding components', () => {
  test('by ID, keeping the other instructions in order', async () => {
    const r = await resolve('RUN echo before\nCOMPONENT ic-plain\nRESTART');
    assert.deepEqual(r.instructions.map((i) => i.keyword), ['RUN', 'COMPONENT', 'RESTART']);
    const [c] = components(r);
    assert.equal(c?.component.id, 'ic-plain');
    assert.equal(c?.line, 2);
    assert.deepEqual(c?.content, { format: 'dockerfile', instructions: [{ keyword: 'RUN', line: 1, command: 'echo hi' }] });
    assert.deepEqual(c?.parameterValues, {});
    assert.deepEqual(r.componentIds, ['ic-plain']);
  });

  test('by ARN, exact version, with "/" or ":" before the version', async () => {
    const r = await resolve(`COMPONENT ${arn(ME, 'web/1.0.1')}\nCOMPONENT ${arn(ME, 'web:1.1.0')}`);
    assert.deepEqual(components(r).map((c) => c.component.componentVersion), ['1.0.1', '1.1.0']);
  });

  test('by ARN with wildcards: the highest matching version wins', async () => {
    const r = await resolve(
      [`COMPONENT ${arn(ME, 'web/1.0.*')}`, `COMPONENT ${arn(ME, 'web/1.*.*')}`, `COMPONENT ${arn(ME, 'web:*.*.*')}`, `COMPONENT ${arn(ME, 'web/*.0.*')}`].join('\n'),
    );
    assert.deepEqual(components(r).map((c) => c.component.componentVersion), ['1.0.3', '1.1.0', '2.0.0', '2.0.0']);
  });

  test('versions compare numerically (1.0.10 > 1.0.9)', async () => {
    const r = await resolve(`COMPONENT ${arn(ME, 'num/1.0.*')}`);
    assert.equal(components(r)[0]?.component.id, 'ic-num-1.0.10');
  });

  test('componentIds are unique, in order of first use', async () => {
    const r = await resolve(`COMPONENT ic-plain\nCOMPONENT ${arn(ME, 'web/1.0.*')}\nCOMPONENT ic-plain\nCOMPONENT ${arn(ME, 'web/1.0.3')}`);
    assert.deepEqual(r.componentIds, ['ic-plain', 'ic-web-1.0.3']);
  });

  test('system components, by ID and by ARN with account 0, in any region', async () => {
    const r = await resolve(`COMPONENT ic-system\nCOMPONENT ${arn('0', 'sys-update/1.*.*')}`);
    assert.deepEqual(components(r).map((c) => c.component.id), ['ic-system', 'ic-system']);
  });

  test('unknown ID → ImageComponent.NotFound', async () => {
    await rejects('RUN ok\nCOMPONENT ic-nope', 'ImageComponent.NotFound', 2, 'build', 'ic-nope');
  });

  test("another account's component by ID → ImageComponent.NotFound (not forbidden)", async () => {
    await rejects('COMPONENT ic-others', 'ImageComponent.NotFound', 1);
  });

  test('own component of another region by ID → ImageComponent.NotFound', async () => {
    await rejects('COMPONENT ic-beijing', 'ImageComponent.NotFound', 1);
  });

  test("an ARN naming another account → ImageComponent.NotFound even though it exists", async () => {
    await rejects(`COMPONENT ${arn(OTHER, 'web/1.0.*')}`, 'ImageComponent.NotFound', 1);
  });

  test('an ARN naming another region → ImageComponent.NotFound', async () => {
    await rejects(`COMPONENT ${arn(ME, 'web/1.0.*', 'cn-beijing')}`, 'ImageComponent.NotFound', 1);
  });

  test('no version matches → ImageComponent.NotFound', async () => {
    await rejects(`RUN a\n\nCOMPONENT ${arn(ME, 'web/1.2.*')}`, 'ImageComponent.NotFound', 3, 'build', 'web/1.2.*');
    await rejects(`COMPONENT ${arn(ME, 'nothing/1.0.0')}`, 'ImageComponent.NotFound', 1);
  });
});

describe('resolveComponents: usability', () => {
  test('a Test component in BuildContent → InvalidImageComponent.NotSupported', async () => {
    await rejects('COMPONENT ic-test', 'InvalidImageComponent.NotSupported', 1, 'build', 'Test');
  });

  test('a Build component in TestContent → InvalidImageComponent.NotSupported', async () => {
    await rejects('RUN true\nCOMPONENT ic-plain', 'InvalidImageComponent.NotSupported', 2, 'test');
  });

  test('a Test component in TestContent is fine', async () => {
    const r = await resolve('COMPONENT ic-test', 'test');
    assert.deepEqual(r.componentIds, ['ic-test']);
  });

  test('a Windows YAML component on its own is fine', async () => {
    const r = await resolve('FROM IMAGE:m-1\nCOMPONENT ic-win');
    assert.equal(components(r)[0]?.content.format, 'yaml');
  });

  test('a Windows component with Dockerfile-style content → InvalidImageComponent.NotSupported', async () => {
    await rejects('COMPONENT ic-win\nCOMPONENT ic-win-df', 'InvalidImageComponent.NotSupported', 2, 'build', 'Dockerfile-style');
  });

  test('a Windows component next to Dockerfile-style commands → InvalidImageComponent.NotSupported', async () => {
    await rejects('RUN echo linux\nCOMPONENT ic-win', 'InvalidImageComponent.NotSupported', 2, 'build', 'RUN on line 1');
  });

  test('Windows and Linux components together → InvalidImageComponent.NotSupported', async () => {
    await rejects('COMPONENT ic-plain\nCOMPONENT ic-win', 'InvalidImageComponent.NotSupported', 2, 'build', 'ic-plain');
  });

  test('stored content that no longer parses → InvalidImageComponent.NotSupported', async () => {
    await rejects('COMPONENT ic-broken', 'InvalidImageComponent.NotSupported', 1, 'build', 'InvalidImageTemplateCommand.NotSupported');
  });

  test('YAML parse results are refused (templates are always Dockerfile-style)', async () => {
    const yaml = parseContent(WINDOWS_YAML, 'component', 'Windows');
    await assert.rejects(resolveComponents(yaml, 'build', lookup, ctx), (e: unknown) => isKilnError(e) && e.fault === 'server');
  });
});

describe('resolveComponents: parameters', () => {
  test('given values win, defaults fill the rest', async () => {
    const r = await resolve('COMPONENT ic-params --target "the world" --verbose true');
    assert.deepEqual(components(r)[0]?.parameterValues, { target: 'the world', count: '1', verbose: 'true' });
  });

  test('numbers and booleans are checked but kept as written', async () => {
    const r = await resolve('COMPONENT ic-params --target x --count -2.5 --verbose TRUE');
    assert.deepEqual(components(r)[0]?.parameterValues, { target: 'x', count: '-2.5', verbose: 'TRUE' });
  });

  test('a required parameter (no default) must be given', async () => {
    await rejects('RUN ok\nCOMPONENT ic-params --count 2', 'InvalidParameter.BuildContent', 2, 'build', '--target');
  });

  test('an undeclared parameter is an error', async () => {
    await rejects('COMPONENT ic-params --target x --colour red', 'InvalidParameter.BuildContent', 1, 'build', 'colour');
  });

  test('a Number parameter must be a number', async () => {
    await rejects('COMPONENT ic-params --target x --count many', 'InvalidParameter.BuildContent', 1, 'build', '--count must be a Number');
  });

  test('a Boolean parameter must be true or false', async () => {
    await rejects('COMPONENT ic-params --target x --verbose yes', 'InvalidParameter.BuildContent', 1, 'build', '--verbose must be a Boolean');
  });

  test('a Dockerfile-style component takes no parameters', async () => {
    await rejects('COMPONENT ic-plain --x 1', 'InvalidParameter.BuildContent', 1, 'build', 'takes no parameters');
  });

  test('TestContent uses InvalidParameter.TestContent', async () => {
    const yamlTest = component({ id: 'ic-yaml-test', name: 'yaml-test', componentType: 'Test', content: YAML_WITH_PARAMS });
    all.push(yamlTest);
    try {
      await rejects('COMPONENT ic-yaml-test', 'InvalidParameter.TestContent', 1, 'test', '--target');
    } finally {
      all.pop();
    }
  });
});

describe('declaredParameters', () => {
  test('YAML components report their Parameters; Dockerfile-style ones none', () => {
    assert.deepEqual(declaredParameters(parseContent(YAML_WITH_PARAMS, 'component')), [
      { name: 'target', type: 'String' },
      { name: 'count', type: 'Number', defaultValue: '1' },
      { name: 'verbose', type: 'Boolean', defaultValue: 'false' },
    ]);
    assert.deepEqual(declaredParameters(parseContent('RUN echo', 'component')), []);
  });
});
