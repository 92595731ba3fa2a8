import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Instance, StepResult } from '../../src/engine/instance/instance.js';
import { readRootfsFile } from '../../src/engine/instance/rootfs-file.js';
import { engineFixture, sh, type EngineFixture } from '../support/engine-fixture.js';

/**
 * The engine reads an image's /etc/passwd and /etc/group on the host, as root, before a step's
 * container starts. A build that leaves a FIFO there must not hang that read (it held a thread
 * of the process's pool for ever: the step timeout never started, `destroy` never returned, and
 * four such builds stalled every file operation of the worker); a huge file must not be read
 * whole; what is not a regular file is refused with a clear error. Real runc containers.
 */
describe("security: the engine's reads of an instance's files on the host", () => {
  let fx: EngineFixture;
  let instance: Instance | undefined;

  before(async () => {
    fx = await engineFixture('secrd');
  });
  afterEach(async () => {
    await instance?.destroy();
    instance = undefined;
    assert.deepEqual(await fx.driver.leftovers(fx.prefix), []);
  });
  after(async () => {
    await fx.close();
  });

  /**
   * Runs a step as `user` after a committed step made `/etc/<file>` with `make`. When the engine
   * hangs opening a FIFO, the test itself opens it for writing after a minute so the blocked
   * thread is released (and the test fails instead of hanging).
   */
  async function userAfter(file: string, make: string, user: string): Promise<StepResult | Error> {
    const spec = fx.spec();
    instance = await fx.driver.create(spec);
    const made = await sh(instance, make);
    assert.equal(made.exitCode, 0, made.stderr);
    instance.commitStep();
    const run = sh(instance, 'id -u', { user }).then(
      (r) => r as StepResult,
      (err: Error) => err,
    );
    let guard: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => {
      guard = setTimeout(() => resolve('hung'), 60_000);
    });
    const first = await Promise.race([run, hung]);
    clearTimeout(guard);
    if (first === 'hung') {
      // through the step's overlay (a FIFO's pipe belongs to the inode it was opened on),
      // opened and closed at once: the blocked open returns, and its read sees the end of the file
      const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
      const rootfs = mountinfo.split('\n').map((l) => l.split(' ')[4] ?? '').find((m) => m.includes(spec.name) && m.endsWith('/rootfs'));
      const writer = rootfs ? await open(join(rootfs, 'etc', file), constants.O_WRONLY | constants.O_NONBLOCK).catch(() => undefined) : undefined;
      await writer?.close();
      await run;
      assert.fail(`resolving USER ${user} hung on a FIFO at /etc/${file}`);
    }
    return first;
  }

  test('a FIFO at /etc/passwd fails the USER step at once with a clear error, for every later step too', async () => {
    const r = await userAfter('passwd', 'rm /etc/passwd && mkfifo /etc/passwd', 'nobody');
    assert.ok(r instanceof Error, `the step ran: ${JSON.stringify(r)}`);
    assert.equal(r.name, 'UnknownUserError');
    assert.match(r.message, /\/etc\/passwd is not a regular file/);
    const again = await sh(instance!, 'id -u', { user: '0:0' }).catch((err: Error) => err);
    assert.ok(again instanceof Error, 'the FIFO is refused for every user');
    assert.match(again.message, /\/etc\/passwd is not a regular file/);
  });

  test('a FIFO at /etc/group, and a FIFO reached through a symlink, are refused the same way', async () => {
    const group = await userAfter('group', 'rm /etc/group && mkfifo /etc/group', 'root');
    assert.ok(group instanceof Error, `the step ran: ${JSON.stringify(group)}`);
    assert.match(group.message, /\/etc\/group is not a regular file/);
    await instance!.destroy();
    instance = undefined;
    const linked = await userAfter('passwd', 'mkfifo /tmp/fifo /pipe && rm /etc/passwd && ln -s ../../pipe /etc/passwd', 'nobody');
    assert.ok(linked instanceof Error, `the step ran: ${JSON.stringify(linked)}`);
    assert.match(linked.message, /\/etc\/passwd is not a regular file/);
  });

  test('a huge /etc/passwd is not read whole: the USER step fails saying so', async () => {
    const r = await userAfter('passwd', 'dd if=/dev/zero of=/etc/passwd bs=1 count=0 seek=64M 2>/dev/null', 'nobody');
    assert.ok(r instanceof Error, `the step ran: ${JSON.stringify(r)}`);
    assert.match(r.message, /\/etc\/passwd is larger than 4194304 bytes/);
  });

  test('paths are resolved beneath the root: a directory swapped for a symlink to the host meanwhile is never followed', async () => {
    const root = await mkdtemp(join(tmpdir(), 'kiln-rootfs-'));
    const outside = await mkdtemp(join(tmpdir(), 'kiln-outside-'));
    let swapper: ChildProcess | undefined;
    try {
      await writeFile(join(outside, 'passwd'), 'host secret');
      await mkdir(join(root, 'a'));
      await writeFile(join(root, 'a/passwd'), 'inside');
      await symlink(outside, join(root, 'a-link'));
      // what a build's background process could do in its upper dir while the engine reads
      swapper = spawn('perl', ['-e', 'chdir $ARGV[0] or die; while (1) { rename("a", "a-dir"); rename("a-link", "a"); rename("a", "a-link"); rename("a-dir", "a"); }', root], { stdio: 'ignore' });
      const seen = new Map<string, number>();
      for (let i = 0; i < 3000; i++) {
        const text = (await readRootfsFile(root, '/a/passwd'))?.toString() ?? 'missing';
        seen.set(text, (seen.get(text) ?? 0) + 1);
      }
      assert.equal(seen.get('host secret'), undefined, `read the host's file ${seen.get('host secret')} times`);
      assert.ok((seen.get('inside') ?? 0) > 0, `never read the file while it was there: ${JSON.stringify([...seen])}`);
      // a directory is not a file to read either
      await assert.rejects(readRootfsFile(outside, '/'), /\/ is not a regular file/);
    } finally {
      if (swapper) {
        swapper.kill('SIGKILL');
        await once(swapper, 'close');
      }
      await rm(root, { recursive: true, force: true });
      await rm(outside, { recursive: true, force: true });
    }
  });
});
