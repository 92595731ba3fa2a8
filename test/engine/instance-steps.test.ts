import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Instance } from '../../src/engine/instance/instance.js';
import { readTar } from '../../src/engine/layers/tar/tar-reader.js';
import { engineFixture, sh, type EngineFixture } from '../support/engine-fixture.js';

async function memberNames(fx: EngineFixture, digest: string): Promise<string[]> {
  const names: string[] = [];
  for await (const { header } of readTar(await fx.blobs.get(digest))) names.push(header.name);
  return names;
}

describe('steps and layers', () => {
  let fx: EngineFixture;
  const live: Instance[] = [];

  before(async () => {
    fx = await engineFixture('steps');
  });
  afterEach(async () => {
    for (const i of live.splice(0)) await i.destroy();
    assert.deepEqual(await fx.driver.leftovers(fx.prefix), []);
  });
  after(async () => {
    await fx.close();
  });

  test('committed steps stack up, deletions hide base files, and each layer holds exactly its changes', async () => {
    const instance = await fx.driver.create(fx.spec());
    live.push(instance);

    const s1 = await sh(instance, 'echo one > /a');
    assert.equal(s1.exitCode, 0, s1.stderr);
    const l1 = await fx.layers.capture(s1.upperDir);
    instance.commitStep();

    const s2 = await sh(instance, 'cat /a && rm /etc/shadow && echo two > /b');
    assert.equal(s2.exitCode, 0, s2.stderr);
    assert.equal(s2.stdout, 'one\n');
    const l2 = await fx.layers.capture(s2.upperDir);
    instance.commitStep();

    const s3 = await sh(instance, 'cat /a /b; test -e /etc/shadow && echo shadow-present || echo shadow-gone; test -e /etc/passwd && echo passwd-present');
    assert.equal(s3.exitCode, 0, s3.stderr);
    assert.equal(s3.stdout, 'one\ntwo\nshadow-gone\npasswd-present\n');

    assert.deepEqual(await memberNames(fx, l1.digest), ['a']);
    assert.deepEqual(await memberNames(fx, l2.digest), ['b', 'etc', 'etc/.wh.shadow']);
  });

  test('a replaced directory becomes opaque in the layer', async () => {
    const instance = await fx.driver.create(fx.spec());
    live.push(instance);
    const s = await sh(instance, 'rm -rf /usr/sbin && mkdir /usr/sbin && echo new > /usr/sbin/only');
    assert.equal(s.exitCode, 0, s.stderr);
    const layer = await fx.layers.capture(s.upperDir);
    const names = await memberNames(fx, layer.digest);
    assert.deepEqual(names, ['usr', 'usr/sbin', 'usr/sbin/.wh..wh..opq', 'usr/sbin/only']);
  });

  test('captured layers, extracted again, give the same view in a new instance', async () => {
    const first = await fx.driver.create(fx.spec());
    live.push(first);
    const s1 = await sh(first, 'echo kept > /kept && rm /etc/shadow && rm -rf /var && mkdir /var && echo v > /var/only && ln /kept /kept-link');
    assert.equal(s1.exitCode, 0, s1.stderr);
    const blob = await fx.layers.capture(s1.upperDir);
    const extracted = await fx.layers.ensure(blob.digest);

    const second = await fx.driver.create(fx.spec({ layers: [fx.base.dir, extracted.dir] }));
    live.push(second);
    const r = await sh(second, 'cat /kept; test -e /etc/shadow || echo no-shadow; ls -A /var; stat -c %h /kept');
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, 'kept\nno-shadow\nonly\n2\n');
  });

  test('an uncommitted step is discarded by the next one', async () => {
    const instance = await fx.driver.create(fx.spec());
    live.push(instance);
    assert.equal((await sh(instance, 'echo x > /scratch')).exitCode, 0);
    const r = await sh(instance, 'test -e /scratch && echo present || echo absent');
    assert.equal(r.stdout, 'absent\n');
  });

  test('130 lower layers with long paths mount and all show', async () => {
    const count = 130;
    const dirs: string[] = [];
    for (let i = 0; i < count; i++) {
      // as long as real layer dirs: <dataDir>/layers/<64 hex>/diff
      const dir = join(fx.dataDir, 'many-layers', i.toString(16).padStart(64, 'a'), 'diff');
      await mkdir(join(dir, 'many'), { recursive: true });
      await writeFile(join(dir, 'many', `f${i}`), `${i}\n`);
      await writeFile(join(dir, 'top'), `${i}\n`);
      dirs.push(dir);
    }
    const instance = await fx.driver.create(fx.spec({ layers: [fx.base.dir, ...dirs] }));
    live.push(instance);
    const r = await sh(instance, 'ls /many | wc -l; cat /top /many/f0');
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, `${count}\n${count - 1}\n0\n`);
  });
});
