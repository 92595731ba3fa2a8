import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { imagesPush } from '../../src/cli/images-push.js';
import { assertNoLeftovers, build, uniqueName } from '../support/builds.js';
import { REGION, startKiln, type TestKiln } from '../support/kiln.js';
import { startRegistry, type TestRegistry } from './support/registry.js';
import { captured } from '../support/captured-output.js';

/*
 * An image Kiln built (runc, busybox base) pushed to a real registry; skopeo copies it out and
 * umoci unpacks it: the file a RUN step wrote and the build's ENV, WORKDIR and CMD are there.
 */

const run = promisify(execFile);
const USER = 'builder';
const PASSWORD = 'built-image-secret';

let kiln: TestKiln;
let registry: TestRegistry;
let work: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'kiln-push-built-'));
  kiln = await startKiln({ KILN_WORKERS: '1' });
  registry = await startRegistry(join(work, 'registry'), { kind: 'htpasswd', username: USER, password: PASSWORD });
});

after(async () => {
  await registry?.stop();
  await kiln?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('a built image pushed, copied by skopeo and unpacked by umoci has the build\'s file and config', async () => {
  const name = uniqueName('pushed');
  const { item, executionId } = await build(kiln.clients.v3, {
    name, imageName: name,
    buildContent: ['ENV GREETING=from-kiln', 'WORKDIR /srv', 'RUN echo "built by kiln" > /srv/hello.txt', 'CMD ["/bin/sh"]'].join('\n'),
  });
  assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
  await assertNoLeftovers(kiln.config.dataDir, executionId);
  const target = `${registry.host}/built/app:1`;
  const r = await captured(() => imagesPush(kiln.config, [item.imageId!, target, '--region', REGION, '--insecure', '--username', USER, '--password-stdin'], async () => PASSWORD));
  assert.equal(r.code, 0, r.stderr);
  const stored = await kiln.app.store.images.getOwned({ accountId: kiln.credentials.accountId, regionId: REGION }, item.imageId!);
  assert.equal(r.stdout.trim(), stored!.manifestDigest);

  const creds = `${USER}:${PASSWORD}`;
  const inspected = JSON.parse((await run('skopeo', ['inspect', '--config', `--creds=${creds}`, '--tls-verify=false', `docker://${target}`])).stdout) as { config: { Env?: string[]; WorkingDir?: string; Cmd?: string[] } };
  assert.ok(inspected.config.Env?.includes('GREETING=from-kiln'), JSON.stringify(inspected.config));
  assert.equal(inspected.config.WorkingDir, '/srv');
  assert.deepEqual(inspected.config.Cmd, ['/bin/sh']);

  const layout = join(work, 'layout');
  await run('skopeo', ['copy', `--src-creds=${creds}`, '--src-tls-verify=false', `docker://${target}`, `oci:${layout}:built`]);
  const bundle = join(work, 'bundle');
  await run('umoci', ['unpack', '--image', `${layout}:built`, bundle]);
  assert.equal(readFileSync(join(bundle, 'rootfs', 'srv', 'hello.txt'), 'utf8'), 'built by kiln\n');
  assert.ok(readFileSync(join(bundle, 'rootfs', 'bin', 'busybox')).length > 0, 'the base layer came along');
});
