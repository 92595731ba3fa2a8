import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, runCli, spawnKiln } from '../support/child.js';

/*
 * A real `kiln serve` started with nothing but KILN_CONFIG takes its settings from the file:
 * the port it listens on, the data dir, the default AccessKey, the regions, the template quota
 * and the HostId of error bodies; `kiln call` reads the same file to find and sign for it.
 */

test('kiln serve and kiln call configured by a KILN_CONFIG file alone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-config-file-'));
  const port = await freePort();
  const file = join(dir, 'kiln.json');
  writeFileSync(file, JSON.stringify({
    port,
    dataDir: join(dir, 'data'),
    accessKeyId: 'LTAIkilnFromConfigFile',
    accessKeySecret: 'secret-from-the-config-file',
    regions: ['cn-hangzhou', { regionId: 'xx-lab-1', localName: 'Lab' }],
    pipelineQuota: 1,
    hostId: 'kiln.config-file.example',
    workers: 0,
    logLevel: 'silent',
  }));
  const env = { KILN_CONFIG: file };
  const kiln = await spawnKiln(env);
  try {
    assert.equal(kiln.endpoint, `http://127.0.0.1:${port}`);
    assert.match(kiln.stdout(), /^ {2}data dir: +.*\/data$/m);
    assert.ok(kiln.stdout().includes(join(dir, 'data')), kiln.stdout());
    assert.match(kiln.stdout(), /^ {2}AccessKey id: +LTAIkilnFromConfigFile$/m);

    const regions = await runCli(['call', 'DescribeRegions'], env);
    assert.equal(regions.code, 0, regions.stderr);
    assert.deepEqual((JSON.parse(regions.stdout) as { Regions: { Region: Array<{ RegionId: string }> } }).Regions.Region.map((r) => r.RegionId).sort(), ['cn-hangzhou', 'xx-lab-1']);

    const create = ['call', 'CreateImagePipeline', 'RegionId=xx-lab-1', 'BaseImageType=IMAGE', 'BaseImage=busybox_x64_20G_kiln_base.vhd', 'BuildContent=RUN echo hello'];
    const first = await runCli(create, env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(String((JSON.parse(first.stdout) as { ImagePipelineId?: string }).ImagePipelineId), /^ip-/);
    const second = await runCli(create, env);
    assert.equal(second.code, 1, second.stdout);
    const body = JSON.parse(second.stderr) as { Code?: string; HostId?: string };
    assert.equal(body.Code, 'QuotaExceed.ImagePipeline');
    assert.equal(body.HostId, 'kiln.config-file.example');
  } finally {
    await kiln.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('kiln serve refuses a KILN_CONFIG file with an unknown key, naming the file and the key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-config-file-'));
  try {
    const file = join(dir, 'kiln.json');
    writeFileSync(file, JSON.stringify({ dataDir: join(dir, 'data'), prot: 8080 }));
    const r = await runCli(['serve'], { KILN_CONFIG: file });
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^kiln: KILN_CONFIG ${file}: prot is not a setting \\(the settings there: host, port, `));
    assert.ok(!r.stdout.includes('Kiln is listening'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
