import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createAccount } from '../../src/auth/accounts.js';
import { exportImage } from '../../src/engine/export/export-image.js';
import { $Ecs, REGION } from '../support/builds.js';
import { kilnEnv, REPO_ROOT, runCli } from '../support/child.js';
import { startKiln, type TestKiln } from '../support/kiln.js';
import { kilnStores, seedImage, sha256File } from './support/kiln-export.js';

/*
 * Issue 9, part X: `kiln images export` as users run it (a process on a Kiln's data dir): the
 * default account's image as an OCI archive skopeo reads and as a rootfs tar byte-identical to
 * the engine's, plain progress lines when stderr is not a terminal; an image shared with
 * another account exported with --account; refusals exit 1 with `kiln: <Code>: <message>` and
 * write nothing; a bad format is a usage error (exit 2).
 */

const run = promisify(execFile);
let kiln: TestKiln;
let work: string;
let mine: { imageId: string; manifestDigest: string };
let shareeId: string;
let strangerImage: string;

const cli = (args: string[]) => runCli(['images', 'export', ...args, '--region', REGION], { KILN_DATA_DIR: kiln.config.dataDir, ...(kiln.config.databaseUrl ? { KILN_DATABASE_URL: kiln.config.databaseUrl } : {}) });

before(async () => {
  kiln = await startKiln();
  work = mkdtempSync(join(tmpdir(), 'kiln-export-cli-'));
  const regions = kiln.config.regions.map((r) => r.regionId);
  mine = await seedImage(kiln, kiln.credentials.accountId, 'cli-export');
  shareeId = (await createAccount(kiln.app.store, regions, { name: 'sharee' })).account.id;
  await kiln.clients.v3.modifyImageSharePermission(new $Ecs.ModifyImageSharePermissionRequest({ regionId: REGION, imageId: mine.imageId, addAccount: [shareeId] }));
  const stranger = await createAccount(kiln.app.store, regions, { name: 'stranger' });
  strangerImage = (await seedImage(kiln, stranger.account.id, 'not-yours')).imageId;
});

after(async () => {
  await kiln?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('kiln images export', () => {
  test('--format oci: an archive skopeo reads under its --tag, progress as plain lines up to 100%', async () => {
    const file = join(work, 'image.oci.tar');
    const res = await cli([mine.imageId, '--format', 'oci', '-o', file, '--tag', 'kiln/cli:1.0']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /an OCI image layout archive/);
    const lines = res.stderr.trim().split('\n');
    assert.ok(lines.every((l) => /^kiln: export \d+% /.test(l)), res.stderr);
    assert.match(lines.at(-1)!, /^kiln: export 100% /);
    const inspect = JSON.parse((await run('skopeo', ['--insecure-policy', 'inspect', `oci-archive:${file}:kiln/cli:1.0`])).stdout);
    assert.equal(inspect.Digest, mine.manifestDigest);
  });

  test('on a terminal (script(1) gives it one): a progress bar redrawn in place, ending at 100%', async () => {
    const file = join(work, 'tty.docker.tar');
    const env = { ...kilnEnv({ KILN_DATA_DIR: kiln.config.dataDir, ...(kiln.config.databaseUrl ? { KILN_DATABASE_URL: kiln.config.databaseUrl } : {}) }) };
    const line = `${process.execPath} --import tsx src/main/cli.ts images export ${mine.imageId} --format docker -o ${file} --region ${REGION}`;
    const { stdout } = await run('script', ['-qec', line, '/dev/null'], { cwd: REPO_ROOT, env });
    assert.match(stdout, /\r\[#{30}\] 100% /);
    assert.doesNotMatch(stdout, /kiln: export \d+%/);
  });

  test('--format rootfs: the same bytes as the engine writes (deterministic); a sharee exports the shared image with --account', async () => {
    const viaCli = join(work, 'rootfs-cli.tar');
    assert.equal((await cli([mine.imageId, '--format', 'rootfs', '-o', viaCli])).code, 0);
    const viaSharee = join(work, 'rootfs-sharee.tar');
    const shared = await cli([mine.imageId, '--format', 'rootfs', '-o', viaSharee, '--account', shareeId]);
    assert.equal(shared.code, 0, shared.stderr);
    const direct = join(work, 'rootfs-engine.tar');
    await exportImage(kilnStores(kiln), { manifestDigest: mine.manifestDigest, format: 'rootfs', file: direct });
    assert.equal(await sha256File(viaCli), await sha256File(direct));
    assert.equal(await sha256File(viaSharee), await sha256File(direct));
  });

  test('refusals exit 1 with the code and write nothing; a bad format is a usage error', async () => {
    const dir = mkdtempSync(join(work, 'refused-'));
    const cases: Array<[string[], string]> = [
      [['m-doesnotexist000000000'], 'InvalidImageId.NotFound'],
      [[strangerImage], 'InvalidImageId.NotFound'],
      [['busybox_x64_20G_kiln_base.vhd'], 'ImageNotSupported'],
    ];
    for (const [id, code] of cases) {
      const res = await cli([...id, '--format', 'raw', '-o', join(dir, 'x.raw')]);
      assert.equal(res.code, 1, `${id}: ${res.stderr}`);
      assert.match(res.stderr, new RegExp(`^kiln: ${code.replace('.', '\\.')}: `, 'm'));
    }
    const bad = await cli([mine.imageId, '--format', 'iso', '-o', join(dir, 'x.iso')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--format must be one of/);
    assert.deepEqual(readdirSync(dir), []);
    assert.ok(!existsSync(join(dir, 'x.raw')));
  });
});
