import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, chown, lchown, mkdir, mkdtemp, readdir, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Issue 8, item 3: the data dir is Kiln's alone. A data dir that another host user made (and
 * so owns) was chmodded to 0700 and used: its owner could chmod it back at any time and reach
 * the layers, instance disks, database and credentials. Kiln must refuse it at start, also when
 * the configured path is a symlink to it, or a symlink another user owns, and leave it untouched.
 */
describe('security: a data dir owned by another host user is refused', () => {
  let work: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'kiln-secowner-'));
    await chmod(work, 0o755);
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  /** `kiln gc` (opens the store in the data dir) with KILN_DATA_DIR=dataDir. */
  function kiln(dataDir: string): Promise<{ code: number; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'src/main/cli.ts', 'gc'], { env: { ...process.env, KILN_DATA_DIR: dataDir, KILN_DATABASE_URL: '' } }, (err, _stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr });
      });
    });
  }

  test("another user's folder, a symlink to it and another user's symlink are refused with a clear error and left as they were; Kiln's own (through its own symlink) is used", async () => {
    const foreign = join(work, 'foreign');
    await mkdir(foreign, { mode: 0o755 });
    await chown(foreign, 65534, 65534);
    await chmod(foreign, 0o755);
    const refused = await kiln(foreign);
    assert.notEqual(refused.code, 0, 'Kiln started on a data dir owned by uid 65534');
    assert.match(refused.stderr, /data dir .*foreign is owned by uid 65534, not by the user Kiln runs as \(uid 0\)/);

    const viaLink = join(work, 'via-link');
    await symlink(foreign, viaLink);
    const refusedLink = await kiln(viaLink);
    assert.notEqual(refusedLink.code, 0, 'Kiln started on a symlink to a data dir owned by uid 65534');
    assert.match(refusedLink.stderr, /owned by uid 65534, not by the user Kiln runs as/);
    assert.equal((await stat(foreign)).mode & 0o777, 0o755, 'the foreign folder was not changed');
    assert.deepEqual(await readdir(foreign), [], 'nothing was written into it');

    const own = join(work, 'own');
    await mkdir(own, { mode: 0o755 });
    const theirLink = join(work, 'their-link');
    await symlink(own, theirLink);
    await lchown(theirLink, 65534, 65534);
    const refusedTheirLink = await kiln(theirLink);
    assert.notEqual(refusedTheirLink.code, 0, "Kiln started through uid 65534's symlink");
    assert.match(refusedTheirLink.stderr, /symlink owned by uid 65534/);

    const ownLink = join(work, 'own-link');
    await symlink(own, ownLink);
    const started = await kiln(ownLink);
    assert.equal(started.code, 0, started.stderr);
    assert.equal((await stat(own)).mode & 0o777, 0o700);
  });
});
