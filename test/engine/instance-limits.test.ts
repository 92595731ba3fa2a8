import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Instance } from '../../src/engine/instance/instance.js';
import { cgroupHierarchies } from '../../src/engine/instance/cgroups.js';
import { RuntimeError } from '../../src/engine/instance/runc-instance.js';
import { engineFixture, sh, type EngineFixture } from '../support/engine-fixture.js';

/** The limit of the step that times out: far above a runc start, however busy the machine. */
const STEP_TIMEOUT_MS = 10_000;

/** A host HTTP server on 127.0.0.1 that counts the requests it gets. */
async function hostLoopbackServer(): Promise<{ server: Server; port: number; hits: () => number }> {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.end('host secret\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, hits: () => hits };
}

describe('instance limits', () => {
  let fx: EngineFixture;
  let instance: Instance | undefined;

  before(async () => {
    fx = await engineFixture('limits');
  });
  afterEach(async () => {
    await instance?.destroy();
    instance = undefined;
    assert.deepEqual(await fx.driver.leftovers(fx.prefix), []);
  });
  after(async () => {
    await fx.close();
  });

  test('the instance cgroup carries the memory, swap and CPU limits', async () => {
    const spec = fx.spec({ memoryMiB: 96, cpus: 1.5 });
    instance = await fx.driver.create(spec);
    const hierarchies = await cgroupHierarchies();
    const mem = hierarchies.find((h) => h.controllers.includes('memory'))!;
    const cpu = hierarchies.find((h) => h.controllers.includes('cpu'))!;
    const dir = (h: typeof mem) => join(h.ownDir, `kiln-${spec.name}`);
    assert.equal((await readFile(join(dir(mem), 'memory.limit_in_bytes'), 'utf8')).trim(), String(96 * 1024 * 1024));
    assert.equal((await readFile(join(dir(mem), 'memory.memsw.limit_in_bytes'), 'utf8')).trim(), String(96 * 1024 * 1024));
    assert.equal((await readFile(join(dir(cpu), 'cpu.cfs_quota_us'), 'utf8')).trim(), '150000');
  });

  test('a step that allocates more than memoryMiB is OOM-killed and says so', async () => {
    instance = await fx.driver.create(fx.spec({ memoryMiB: 64 }));
    const small = await sh(instance, 'x=$(dd if=/dev/zero bs=1M count=8 2>/dev/null | tr "\\0" a); echo ${#x}');
    assert.equal(small.exitCode, 0, small.stderr);
    assert.equal(small.stdout, `${8 * 1024 * 1024}\n`);
    assert.equal(small.oomKilled, false);
    // the shell keeps the whole 256 MiB string in memory
    const big = await sh(instance, 'x=$(dd if=/dev/zero bs=1M count=256 2>/dev/null | tr "\\0" a); echo ${#x}');
    assert.equal(big.oomKilled, true);
    assert.notEqual(big.exitCode, 0);
    assert.equal(big.stdout, '');
    // and the instance goes on
    const next = await sh(instance, 'echo alive');
    assert.equal(next.stdout, 'alive\n');
    assert.equal(next.oomKilled, false);
  });

  test('writing past the disk size fails the step with diskFull', async () => {
    instance = await fx.driver.create(fx.spec({ diskMiB: 64 }));
    const fill = await sh(instance, 'dd if=/dev/zero of=/big bs=1M count=200');
    assert.notEqual(fill.exitCode, 0);
    assert.equal(fill.diskFull, true);
    assert.match(fill.stderr, /No space left on device/);
    // the failed step's changes are discarded by the next step, which has room again
    const next = await sh(instance, 'dd if=/dev/zero of=/small bs=1M count=8 2>&1 && echo ok');
    assert.equal(next.exitCode, 0, next.stderr);
    assert.equal(next.diskFull, false);
  });

  test("network 'none': only loopback, and the host's loopback services are out of reach", async () => {
    const host = await hostLoopbackServer();
    try {
      instance = await fx.driver.create(fx.spec({ network: 'none' }));
      const r = await sh(
        instance,
        `cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '; timeout 5 wget -q -O- http://127.0.0.1:${host.port}/ || echo wget-failed`,
      );
      assert.equal(r.stdout, 'lo\nwget-failed\n');
      assert.equal(host.hits(), 0);
    } finally {
      host.server.close();
    }
  });

  test('a step past its timeout is killed', async () => {
    instance = await fx.driver.create(fx.spec());
    // The step's time counts from run(), its setup and the runc start included: the limit leaves
    // room for a start on a busy machine, and the command would outlast any limit.
    const r = await sh(instance, 'echo started; sleep 3600; echo finished', { timeoutMs: STEP_TIMEOUT_MS });
    assert.equal(r.timedOut, true);
    assert.equal(r.cancelled, false);
    assert.equal(r.exitCode, 137);
    assert.equal(r.stdout, 'started\n');
    assert.equal((await sh(instance, 'echo next')).stdout, 'next\n');
  });

  test('aborting kills the step, background processes included', async () => {
    instance = await fx.driver.create(fx.spec());
    const abort = new AbortController();
    let stdout = '';
    const result = await instance.run({
      argv: ['/bin/sh', '-c', 'sleep 60 & echo started; wait'],
      env: [],
      cwd: '/',
      user: 'root',
      timeoutMs: 0,
      signal: abort.signal,
      onOutput: (_s, chunk) => {
        stdout += chunk.toString();
        if (stdout.includes('started')) abort.abort();
      },
    });
    assert.equal(result.cancelled, true);
    assert.equal(result.timedOut, false);
    assert.equal(result.exitCode, 137);
    const already = new AbortController();
    already.abort();
    const never = await sh(instance, 'echo should-not-run', { signal: already.signal });
    assert.equal(never.cancelled, true);
    assert.equal(never.exitCode, -1);
    assert.equal(never.stdout, '');
  });

  test('destroy kills a running step and leaves nothing', async () => {
    const inst = await fx.driver.create(fx.spec({ network: 'user' }));
    let started!: () => void;
    const isStarted = new Promise<void>((resolve) => (started = resolve));
    const running = inst.run({
      argv: ['/bin/sh', '-c', 'echo started; sleep 60'],
      env: [],
      cwd: '/',
      user: 'root',
      timeoutMs: 0,
      onOutput: () => started(),
    });
    await isStarted;
    await inst.destroy();
    const r = await running;
    assert.equal(r.cancelled, true);
  });

  test('a step that runc cannot start fails without leaving its container or mount', async () => {
    instance = await fx.driver.create(fx.spec());
    await assert.rejects(sh(instance, 'true', { cwd: '/etc/passwd' }), RuntimeError);
    const left = await fx.driver.leftovers(fx.prefix);
    assert.deepEqual(left.filter((l) => l.startsWith('runc container') || l.endsWith('/rootfs')), []);
    assert.equal((await sh(instance, 'echo fine')).stdout, 'fine\n');
  });

  test('a failure while creating an instance unwinds what was made', async () => {
    const spec = fx.spec({ network: 'user' });
    // the network namespace name is taken: creation fails at its last step
    const { runCommand } = await import('../../src/engine/system/run-command.js');
    await runCommand('ip', ['netns', 'add', `kiln-${spec.name}`]);
    try {
      await assert.rejects(fx.driver.create(spec));
      const left = await fx.driver.leftovers(fx.prefix);
      assert.deepEqual(
        left.filter((l) => !l.includes(`/run/netns/kiln-${spec.name}`) && l !== `network namespace kiln-${spec.name}`),
        [],
      );
    } finally {
      await runCommand('ip', ['netns', 'delete', `kiln-${spec.name}`]);
    }
  });

  test('the reaper removes everything of an instance that was never destroyed', async () => {
    await fx.driver.create(fx.spec({ network: 'user' })); // "crashed": never destroyed
    const before = await fx.driver.leftovers(fx.prefix);
    assert.ok(before.some((l) => l.startsWith('slirp4netns process')), before.join(', '));
    await fx.driver.reap(fx.prefix);
    assert.deepEqual(await fx.driver.leftovers(fx.prefix), []);
  });
});
