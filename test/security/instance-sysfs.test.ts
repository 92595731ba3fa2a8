import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Instance } from '../../src/engine/instance/instance.js';
import { engineFixture, sh, type EngineFixture } from '../support/engine-fixture.js';

/**
 * A build's /sys is the host's, read-only: every mount under it too (cgroup hierarchies under
 * /sys/fs/cgroup were writable mounts inside builds, the read-only flag being on /sys alone),
 * and /sys/fs/cgroup shows the build's own cgroup, not the host's tree with every other
 * instance in it. Real runc containers; two instances live at once.
 */
describe("security: a build's /sys", () => {
  let fx: EngineFixture;
  let a: Instance | undefined;
  let b: Instance | undefined;
  let bName: string;

  before(async () => {
    fx = await engineFixture('secsys');
    a = await fx.driver.create(fx.spec());
    const spec = fx.spec();
    bName = spec.name;
    b = await fx.driver.create(spec);
  });
  after(async () => {
    await a?.destroy();
    await b?.destroy();
    assert.deepEqual(await fx.driver.leftovers(fx.prefix), []);
    await fx.close();
  });

  test('every mount under /sys is read-only, and nothing under /sys/fs/cgroup can be written', async () => {
    const r = await sh(a!, [
      // mount point and first option of every mount under /sys
      "awk '$2 ~ \"^/sys\" { split($4, o, \",\"); print $2, o[1] }' /proc/mounts",
      'for d in /sys/fs/cgroup /sys/fs/cgroup/*; do mkdir "$d/kiln-probe" 2>/dev/null && echo "made $d/kiln-probe"; done',
      'true',
    ].join('; '));
    assert.equal(r.exitCode, 0, r.stderr);
    // what a path shows is the last mount on it (earlier ones there are covered)
    const visible = new Map<string, string>();
    for (const line of r.stdout.split('\n').filter((l) => l.startsWith('/sys'))) visible.set(line.split(' ')[0]!, line);
    const mounts = [...visible.values()];
    assert.ok(visible.has('/sys') && visible.has('/sys/fs/cgroup'), r.stdout);
    const writable = mounts.filter((m) => !m.endsWith(' ro'));
    assert.deepEqual(writable, [], `writable mounts under /sys:\n${r.stdout}`);
    assert.doesNotMatch(r.stdout, /^made /m);
  });

  test("/sys/fs/cgroup shows no other instance's cgroup", async () => {
    // b is live: its cgroups exist on the host (kiln-<name> in several hierarchies)
    const r = await sh(a!, `find /sys/fs/cgroup -maxdepth 4 -name 'kiln-*' 2>/dev/null | head -20; find /sys/fs/cgroup -maxdepth 4 2>/dev/null | wc -l`);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.doesNotMatch(r.stdout, new RegExp(`kiln-${bName}`), `another instance's cgroup is visible:\n${r.stdout}`);
    assert.doesNotMatch(r.stdout, /kiln-/, `instances' cgroups are visible:\n${r.stdout}`);
  });
});
