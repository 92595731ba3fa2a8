import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import { createAccount } from '../../src/auth/accounts.js';
import { freePort, runCli, shellWords, spawnKiln } from '../support/child.js';
import { REGION, expectError, startKiln, type Clients, type TestKiln } from '../support/kiln.js';

/*
 * Accounts: isolation between accounts (made in-process and with the CLI), AccessKeys added
 * with the CLI, the default credentials across restarts, the env override, and the README's
 * first command (`kiln serve` prints what is needed to call it, and its example calls work).
 */

const BASE_IMAGE = 'busybox_x64_20G_kiln_base.vhd';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'kiln-accounts-'));
}

async function createPipeline(c: Clients, over: Partial<$Ecs.CreateImagePipelineRequest> = {}): Promise<string> {
  const r = await c.v3.createImagePipeline(new $Ecs.CreateImagePipelineRequest({ regionId: REGION, baseImageType: 'IMAGE', baseImage: BASE_IMAGE, ...over }));
  assert.match(r.body?.imagePipelineId ?? '', /^ip-/);
  return r.body!.imagePipelineId!;
}

async function createComponent(c: Clients, name: string, content = 'RUN echo component'): Promise<string> {
  const r = await c.v3.createImageComponent(new $Ecs.CreateImageComponentRequest({ regionId: REGION, name, content, componentType: 'Build', systemType: 'Linux' }));
  assert.match(r.body?.imageComponentId ?? '', /^ic-/);
  return r.body!.imageComponentId!;
}

async function pipelines(c: Clients, ids?: string[]) {
  const r = await c.v3.describeImagePipelines(new $Ecs.DescribeImagePipelinesRequest({ regionId: REGION, maxResults: 100, ...(ids ? { imagePipelineId: ids } : {}) }));
  return r.body?.imagePipeline?.imagePipelineSet ?? [];
}

async function components(c: Clients, q: Partial<$Ecs.DescribeImageComponentsRequest>) {
  const r = await c.v3.describeImageComponents(new $Ecs.DescribeImageComponentsRequest({ regionId: REGION, maxResults: 100, ...q }));
  return r.body?.imageComponent?.imageComponentSet ?? [];
}

async function tagsOf(c: Clients, type: string, id: string): Promise<string[]> {
  const r = await c.v3.listTagResources(new $Ecs.ListTagResourcesRequest({ regionId: REGION, resourceType: type, resourceId: [id] }));
  return (r.body?.tagResources?.tagResource ?? []).map((t) => `${t.resourceId}:${t.tagKey}=${t.tagValue}`).sort();
}

async function expectCode(call: () => Promise<unknown>, code: string, status: number): Promise<void> {
  const e = await expectError(call);
  assert.equal(e.code, code, e.message);
  assert.equal(e.statusCode, status, e.message);
}

describe('accounts are isolated', () => {
  let kiln: TestKiln;
  /** The default account's resources, which the other accounts try to reach. */
  const a = { pipelineId: '', componentId: '', componentName: 'shared-name', accountId: '', vSwitchId: '', resourceGroupId: '' };

  before(async () => {
    kiln = await startKiln();
    a.accountId = kiln.credentials.accountId;
    a.componentId = await createComponent(kiln.clients, a.componentName, 'RUN echo from-a');
    a.pipelineId = await createPipeline(kiln.clients, {
      name: 'tpl-a', buildContent: `COMPONENT ${a.componentId}`,
      tag: [new $Ecs.CreateImagePipelineRequestTag({ key: 'owner', value: 'a' })],
    });
    const [p] = await pipelines(kiln.clients, [a.pipelineId]);
    a.vSwitchId = p?.vSwitchId ?? '';
    a.resourceGroupId = p?.resourceGroupId ?? '';
    assert.match(a.vSwitchId, /^vsw-/);
    assert.match(a.resourceGroupId, /^rg-/);
    await kiln.clients.v3.tagResources(new $Ecs.TagResourcesRequest({
      regionId: REGION, resourceType: 'imagecomponent', resourceId: [a.componentId], tag: [new $Ecs.TagResourcesRequestTag({ key: 'owner', value: 'a' })],
    }));
  });
  after(async () => {
    await kiln?.stop();
  });

  /** Everything another account `b` tries on the default account's resources, and what it must get. */
  async function checkIsolation(b: Clients, bAccountId: string): Promise<void> {
    assert.notEqual(bAccountId, a.accountId);

    // See / describe: never listed, an id filter gives an empty page.
    assert.ok(!(await pipelines(b)).some((p) => p.imagePipelineId === a.pipelineId));
    assert.deepEqual(await pipelines(b, [a.pipelineId]), []);
    const byName = await b.v3.describeImagePipelines(new $Ecs.DescribeImagePipelinesRequest({ regionId: REGION, name: 'tpl-a' }));
    assert.deepEqual(byName.body?.imagePipeline?.imagePipelineSet ?? [], []);
    assert.deepEqual(await components(b, { imageComponentId: [a.componentId] }), []);
    assert.ok(!(await components(b, { owner: 'SELF' })).some((c) => c.imageComponentId === a.componentId));
    assert.deepEqual(await components(b, { name: a.componentName }), []);
    assert.deepEqual(await tagsOf(b, 'imagepipeline', a.pipelineId), []);
    assert.deepEqual(await tagsOf(b, 'imagecomponent', a.componentId), []);
    const byTag = await b.v3.listTagResources(new $Ecs.ListTagResourcesRequest({ regionId: REGION, resourceType: 'imagepipeline', tag: [new $Ecs.ListTagResourcesRequestTag({ key: 'owner', value: 'a' })] }));
    assert.deepEqual(byTag.body?.tagResources?.tagResource ?? [], []);

    // Delete / tag / untag: NotFound, as if the resource did not exist.
    await expectCode(() => b.v3.deleteImagePipeline(new $Ecs.DeleteImagePipelineRequest({ regionId: REGION, imagePipelineId: a.pipelineId })), 'InvalidImagePipeline.NotFound', 404);
    await expectCode(() => b.v1.deleteImageComponent(new $Ecs.DeleteImageComponentRequest({ regionId: REGION, imageComponentId: a.componentId })), 'InvalidImageComponent.NotFound', 404);
    for (const [type, id] of [['imagepipeline', a.pipelineId], ['imagecomponent', a.componentId]] as const) {
      await expectCode(() => b.v3.tagResources(new $Ecs.TagResourcesRequest({ regionId: REGION, resourceType: type, resourceId: [id], tag: [new $Ecs.TagResourcesRequestTag({ key: 'owner', value: 'b' })] })), 'InvalidResourceId.NotFound', 404);
      await expectCode(() => b.v3.untagResources(new $Ecs.UntagResourcesRequest({ regionId: REGION, resourceType: type, resourceId: [id], tagKey: ['owner'] })), 'InvalidResourceId.NotFound', 404);
    }

    // Reference: the component by id or by ARN, the vSwitch and resource group of the template.
    await expectCode(() => createPipeline(b, { buildContent: `COMPONENT ${a.componentId}` }), 'ImageComponent.NotFound', 404);
    await expectCode(() => createPipeline(b, { buildContent: `RUN true\nCOMPONENT acs:ecs:${REGION}:${a.accountId}:imagecomponent/${a.componentName}/1.0.0` }), 'ImageComponent.NotFound', 404);
    await expectCode(() => createPipeline(b, { vSwitchId: a.vSwitchId }), 'InvalidVSwitchId.NotFound', 404);
    await expectCode(() => createPipeline(b, { resourceGroupId: a.resourceGroupId }), 'InvalidResourceGroup.NotFound', 404);

    // b's own resources work, with names of its own (the same name starts again at 1.0.0).
    const bComponent = await createComponent(b, a.componentName, 'RUN echo from-b');
    const [bc] = await components(b, { imageComponentId: [bComponent] });
    assert.equal(bc?.componentVersion, '1.0.0');
    const bPipeline = await createPipeline(b, { name: 'tpl-b', buildContent: `COMPONENT ${bComponent}` });
    const [bp] = await pipelines(b, [bPipeline]);
    assert.notEqual(bp?.vSwitchId, a.vSwitchId);
    assert.notEqual(bp?.resourceGroupId, a.resourceGroupId);
    // ... which the default account cannot see either.
    assert.deepEqual(await pipelines(kiln.clients, [bPipeline]), []);
    assert.deepEqual(await components(kiln.clients, { imageComponentId: [bComponent] }), []);

    // The default account's resources are untouched.
    const [ap] = await pipelines(kiln.clients, [a.pipelineId]);
    assert.equal(ap?.name, 'tpl-a');
    assert.deepEqual(await tagsOf(kiln.clients, 'imagepipeline', a.pipelineId), [`${a.pipelineId}:owner=a`]);
    assert.deepEqual(await tagsOf(kiln.clients, 'imagecomponent', a.componentId), [`${a.componentId}:owner=a`]);
    const [ac] = await components(kiln.clients, { imageComponentId: [a.componentId] });
    assert.equal(ac?.componentVersion, '1.0.0');
  }

  test('an account made with createAccount() cannot see, describe, delete, tag or reference the default account\'s resources', async () => {
    const { account, accessKey } = await createAccount(kiln.app.store, kiln.config.regions.map((r) => r.regionId), { name: 'b' });
    await checkIsolation(kiln.clientsFor(accessKey.id, accessKey.secret), account.id);
  });

  test('an account made with `kiln accounts create` (against the running server\'s data dir) is isolated too; `keys create` adds a working key', async () => {
    const env = { KILN_DATA_DIR: kiln.config.dataDir };
    const made = await runCli(['accounts', 'create', '--name', 'b-cli'], env);
    assert.equal(made.code, 0, made.stderr);
    const acct = JSON.parse(made.stdout) as { AccountId: string; Name: string; AccessKeyId: string; AccessKeySecret: string };
    assert.equal(acct.Name, 'b-cli');
    assert.match(acct.AccountId, /^\d+$/);
    assert.ok(acct.AccessKeyId && acct.AccessKeySecret);
    const b = kiln.clientsFor(acct.AccessKeyId, acct.AccessKeySecret);
    await checkIsolation(b, acct.AccountId);

    const listed = await runCli(['accounts', 'list'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(listed.stdout.split('\n').some((l) => l.startsWith(`${acct.AccountId}\tb-cli\t`)), listed.stdout);
    assert.ok(listed.stdout.split('\n').some((l) => l.startsWith(`${a.accountId}\tdefault\t`)), listed.stdout);

    // A second key for the CLI account: it works, and it is the same account (sees its template).
    const keyed = await runCli(['keys', 'create', '--account', acct.AccountId], env);
    assert.equal(keyed.code, 0, keyed.stderr);
    const key = JSON.parse(keyed.stdout) as { AccountId: string; AccessKeyId: string; AccessKeySecret: string };
    assert.equal(key.AccountId, acct.AccountId);
    assert.notEqual(key.AccessKeyId, acct.AccessKeyId);
    const b2 = kiln.clientsFor(key.AccessKeyId, key.AccessKeySecret);
    const mine = (await pipelines(b2)).map((p) => p.name);
    assert.deepEqual(mine, ['tpl-b']);
    const viaPop = await b2.pop.request<{ ImagePipeline: { ImagePipelineSet: unknown[] } }>('DescribeImagePipelines', { RegionId: REGION }, { method: 'POST' });
    assert.equal(viaPop.ImagePipeline.ImagePipelineSet.length, 1);
    assert.deepEqual((await pipelines(b)).map((p) => p.name), ['tpl-b'], 'the first key still works');

    // An unknown account is refused.
    const refused = await runCli(['keys', 'create', '--account', '999999999999'], env);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /999999999999/);
  });
});

describe('default credentials', () => {
  test('are written to <dataDir>/default-credentials.json (mode 0600) and reused on restart', async () => {
    const dir = tempDir();
    try {
      const first = await startKiln({ KILN_DATA_DIR: dir });
      let id: string;
      try {
        const path = join(dir, 'default-credentials.json');
        const saved = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
        assert.deepEqual(saved, { ...first.credentials });
        assert.equal(statSync(path).mode & 0o777, 0o600);
        id = await createPipeline(first.clients, { name: 'before-restart' });
      } finally {
        await first.stop();
      }
      const second = await startKiln({ KILN_DATA_DIR: dir });
      try {
        assert.deepEqual(second.credentials, first.credentials);
        // A client configured with the first run's key works against the restarted server.
        const c = second.clientsFor(first.credentials.accessKeyId, first.credentials.accessKeySecret);
        assert.deepEqual((await pipelines(c, [id])).map((p) => p.name), ['before-restart']);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('KILN_ACCESS_KEY_ID / KILN_ACCESS_KEY_SECRET override them; a new override joins the same default account', async () => {
    const dir = tempDir();
    const key1 = { KILN_ACCESS_KEY_ID: 'LTAIkilnOverrideOne', KILN_ACCESS_KEY_SECRET: 'override-secret-one-0123456789' };
    const key2 = { KILN_ACCESS_KEY_ID: 'LTAIkilnOverrideTwo', KILN_ACCESS_KEY_SECRET: 'override-secret-two-0123456789' };
    try {
      const k1 = await startKiln({ KILN_DATA_DIR: dir, ...key1 });
      let accountId: string;
      let id: string;
      try {
        assert.equal(k1.credentials.accessKeyId, key1.KILN_ACCESS_KEY_ID);
        assert.equal(k1.credentials.accessKeySecret, key1.KILN_ACCESS_KEY_SECRET);
        accountId = k1.credentials.accountId;
        id = await createPipeline(k1.clientsFor(key1.KILN_ACCESS_KEY_ID, key1.KILN_ACCESS_KEY_SECRET), { name: 'with-key-one' });
        await expectCode(() => k1.clientsFor(key1.KILN_ACCESS_KEY_ID, 'wrong').v3.describeRegions(new $Ecs.DescribeRegionsRequest({})), 'SignatureDoesNotMatch', 400);
        const saved = JSON.parse(readFileSync(join(dir, 'default-credentials.json'), 'utf8')) as Record<string, string>;
        assert.equal(saved.accessKeyId, key1.KILN_ACCESS_KEY_ID);
      } finally {
        await k1.stop();
      }

      const k2 = await startKiln({ KILN_DATA_DIR: dir, ...key2 });
      try {
        assert.equal(k2.credentials.accountId, accountId);
        assert.equal(k2.credentials.accessKeyId, key2.KILN_ACCESS_KEY_ID);
        const c2 = k2.clientsFor(key2.KILN_ACCESS_KEY_ID, key2.KILN_ACCESS_KEY_SECRET);
        assert.deepEqual((await pipelines(c2, [id])).map((p) => p.name), ['with-key-one']);
        const c1 = k2.clientsFor(key1.KILN_ACCESS_KEY_ID, key1.KILN_ACCESS_KEY_SECRET);
        assert.deepEqual((await pipelines(c1, [id])).map((p) => p.name), ['with-key-one'], 'the earlier key stays valid');
      } finally {
        await k2.stop();
      }

      // The same id with another secret is refused at start rather than silently replaced.
      await assert.rejects(startKiln({ KILN_DATA_DIR: dir, KILN_ACCESS_KEY_ID: key2.KILN_ACCESS_KEY_ID, KILN_ACCESS_KEY_SECRET: 'a-different-secret' }), /exists with another secret/);

      // Without the override, the last saved key is used.
      const k3 = await startKiln({ KILN_DATA_DIR: dir });
      try {
        assert.deepEqual(k3.credentials, { accountId, accessKeyId: key2.KILN_ACCESS_KEY_ID, accessKeySecret: key2.KILN_ACCESS_KEY_SECRET });
      } finally {
        await k3.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Starts `kiln serve` like the README's first command, checks the banner, and runs every
 * `npm run kiln -- call …` example it prints (as `node --import tsx src/main/cli.ts call …`,
 * which is what package.json's "kiln" script runs), with the environment the banner names.
 */
async function checkServeBanner(port: number): Promise<void> {
  const dir = tempDir();
  const env = { KILN_DATA_DIR: dir, KILN_PORT: String(port) };
  const kiln = await spawnKiln(env);
  try {
    await kiln.waitForOutput('aliyun ecs ');
    const out = kiln.stdout();
    const bound = Number(new URL(kiln.endpoint).port);
    if (port !== 0) assert.equal(bound, port);
    const creds = JSON.parse(readFileSync(join(dir, 'default-credentials.json'), 'utf8')) as { accountId: string; accessKeyId: string; accessKeySecret: string };
    assert.equal(kiln.endpoint, `http://127.0.0.1:${bound}`);
    assert.match(out, new RegExp(`^Kiln is listening on http://127\\.0\\.0\\.1:${bound}\\b`, 'm'));
    assert.match(out, new RegExp(`default account:\\s+${creds.accountId}$`, 'm'));
    assert.match(out, new RegExp(`AccessKey id:\\s+${creds.accessKeyId}$`, 'm'));
    assert.match(out, new RegExp(`AccessKey secret:\\s+${creds.accessKeySecret}$`, 'm'));
    assert.ok(out.includes(`--endpoint 127.0.0.1:${bound} --access-key-id ${creds.accessKeyId} --access-key-secret ${creds.accessKeySecret}`));

    const examples = out.split('\n').map((l) => l.trim()).filter((l) => /^(\w+=\S+ )*npm run kiln -- call /.test(l));
    assert.ok(examples.some((l) => l.endsWith('npm run kiln -- call DescribeRegions')), out);
    assert.ok(examples.some((l) => l.includes(' call CreateImagePipeline ')), out);
    for (const line of examples) {
      const words = shellWords(line);
      const lineEnv: Record<string, string> = { ...env };
      while (words[0] !== undefined && /^\w+=/.test(words[0])) {
        const [k, ...v] = (words.shift() as string).split('=');
        lineEnv[k as string] = v.join('=');
      }
      assert.deepEqual(words.slice(0, 4), ['npm', 'run', 'kiln', '--']);
      const args = words.slice(4);
      const res = await runCli(args, lineEnv);
      assert.equal(res.code, 0, `${line}\n${res.stderr}`);
      const json = JSON.parse(res.stdout) as Record<string, unknown>;
      assert.ok(typeof json.RequestId === 'string' && !('Code' in json), res.stdout);
      if (args[1] === 'DescribeRegions') assert.ok((json.Regions as { Region: unknown[] }).Region.length > 0);
      if (args[1] === 'CreateImagePipeline') assert.match(String(json.ImagePipelineId), /^ip-/);
    }

    // A call that fails prints the error body and exits non-zero.
    const failed = await runCli(['call', 'DescribeImagePipelines', 'RegionId=xx-nowhere-1'], { ...env, KILN_PORT: String(bound) });
    assert.equal(failed.code, 1);
    assert.equal((JSON.parse(failed.stderr) as Record<string, unknown>).Code, 'InvalidRegionId.NotFound');

    // SIGTERM stops it cleanly.
    await kiln.kill('SIGTERM');
    assert.deepEqual(await kiln.exited, { code: 0, signal: null });
  } finally {
    await kiln.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the README\'s first command: `kiln serve` prints the endpoint, the default account and key, and example calls that work', async () => {
  await checkServeBanner(await freePort());
});

test('with KILN_PORT=0 the banner\'s example calls name the port actually bound', async () => {
  await checkServeBanner(0);
});

test('`kiln call` and `kiln serve` refuse half an AccessKey override', async () => {
  const dir = tempDir();
  try {
    await assert.rejects(startKiln({ KILN_DATA_DIR: dir, KILN_ACCESS_KEY_ID: 'LTAIkilnOnlyTheId' }), /KILN_ACCESS_KEY_SECRET/);
    const res = await runCli(['call', 'DescribeRegions'], { KILN_DATA_DIR: dir, KILN_ACCESS_KEY_SECRET: 'only-the-secret', KILN_PORT: String(await freePort()) });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /KILN_ACCESS_KEY_ID/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('`kiln call` reaches a server listening on a wildcard or an IPv6 address', async () => {
  for (const host of ['0.0.0.0', '::1']) {
    const dir = tempDir();
    const env = { KILN_DATA_DIR: dir, KILN_HOST: host, KILN_PORT: String(await freePort()) };
    const kiln = await spawnKiln(env);
    try {
      const res = await runCli(['call', 'DescribeRegions'], env);
      assert.equal(res.code, 0, `KILN_HOST=${host}: ${res.stderr}`);
      assert.ok((JSON.parse(res.stdout) as { Regions: { Region: unknown[] } }).Regions.Region.length > 0);
    } finally {
      await kiln.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('`kiln serve` on a port already in use exits 1 with the reason', async () => {
  const dirA = tempDir();
  const dirB = tempDir();
  const port = String(await freePort());
  const first = await spawnKiln({ KILN_DATA_DIR: dirA, KILN_PORT: port });
  try {
    const second = await runCli(['serve'], { KILN_DATA_DIR: dirB, KILN_PORT: port });
    assert.equal(second.code, 1);
    assert.match(second.stderr, /^kiln: .*EADDRINUSE/m);
    assert.ok(!second.stdout.includes('Kiln is listening'));
  } finally {
    await first.kill();
    rmSync(dirA, { recursive: true, force: true });
    rmSync(dirB, { recursive: true, force: true });
  }
});
