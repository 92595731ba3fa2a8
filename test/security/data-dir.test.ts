import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { ensureBusyboxBase } from '../../src/engine/base-images/busybox.js';
import { RuncInstanceDriver } from '../../src/engine/instance/runc-driver.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { writeTar } from '../../src/engine/layers/tar/tar-writer.js';
import type { TarWriteEntry } from '../../src/engine/layers/tar/tar-writer.js';

/**
 * Issue 8, item 3: nothing in the data dir is usable by other host users. A rootfs tarball with
 * a setuid-root copy of `id` and a character device (1,3: what /dev/null is) is imported with
 * `kiln images import` into a data dir that Kiln creates itself (under a folder anyone may
 * enter); then uid 65534 tries to run and open them, in the layer store and, while a build runs
 * on that layer, in the build's root filesystem and disk.
 */
const run = promisify(execFile);

/**
 * Runs argv as uid/gid 65534 with no groups, from a shell of that user: setpriv keeps its
 * capabilities up to its own execve (it needs them to set the groups after the uid), so a path
 * given to it directly is looked up with root's CAP_DAC_OVERRIDE. Never throws.
 */
async function asNobody(argv: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', '--', 'sh', '-c', 'exec "$@"', 'sh', ...argv]);
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** Mount points (with their options) whose path contains `part`, from this process's mountinfo. */
async function mountsWith(part: string): Promise<{ point: string; options: string[]; fsType: string }[]> {
  const out = [];
  for (const line of (await readFile('/proc/self/mountinfo', 'utf8')).split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    if (sep < 0 || !f[4]?.includes(part)) continue;
    out.push({ point: f[4], options: f[5]!.split(','), fsType: f[sep + 1]! });
  }
  return out;
}

describe('security: nothing in the data dir is usable by other host users', () => {
  let work: string;
  let dataDir: string;
  let layerDir: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'kiln-secdata-'));
    await chmod(work, 0o755); // only Kiln's own modes keep others out
    dataDir = join(work, 'data');
    const id = await readFile('/usr/bin/id');
    const base = { uid: 0, gid: 0, size: 0, mtime: 1_700_000_000 };
    const entries: TarWriteEntry[] = [
      { header: { ...base, name: 'usr', type: 'directory', mode: 0o755 } },
      { header: { ...base, name: 'usr/bin', type: 'directory', mode: 0o755 } },
      { header: { ...base, name: 'usr/bin/kiln-suid-id', type: 'file', mode: 0o4755, size: id.length }, body: id },
      { header: { ...base, name: 'dev', type: 'directory', mode: 0o755 } },
      { header: { ...base, name: 'dev/kiln-null', type: 'char', mode: 0o666, devmajor: 1, devminor: 3 } },
    ];
    const chunks: Buffer[] = [];
    for await (const c of writeTar(entries)) chunks.push(c);
    const tarball = join(work, 'rootfs.tar');
    await writeFile(tarball, Buffer.concat(chunks));
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/main/cli.ts', 'images', 'import', tarball, '--name', 'suid-image'], {
      env: { ...process.env, KILN_DATA_DIR: dataDir, KILN_DATABASE_URL: '' },
    });
    assert.match(stdout, /\S/, 'the CLI printed the new ImageId');
    const layersRoot = join(dataDir, 'layers');
    for (const hex of await readdir(layersRoot)) {
      if (await stat(join(layersRoot, hex, 'diff/usr/bin/kiln-suid-id')).catch(() => undefined)) layerDir = join(layersRoot, hex, 'diff');
    }
    assert.ok(layerDir, 'the imported layer is in the layer store');
    const st = await stat(join(layerDir, 'usr/bin/kiln-suid-id'));
    assert.equal(st.mode & 0o7777, 0o4755, 'the layer keeps the setuid bit (as the image has it)');
  });
  after(async () => {
    await new RuncInstanceDriver({ dataDir }).reap('secdata');
    await rm(work, { recursive: true, force: true });
  });

  test('uid 65534 can neither run the setuid binary nor open the device node of an imported layer', async () => {
    const exec = await asNobody([join(layerDir, 'usr/bin/kiln-suid-id')]);
    assert.notEqual(exec.code, 0, `ran: ${exec.out}`);
    assert.doesNotMatch(exec.out, /euid=0/);
    const open = await asNobody(['sh', '-c', `: < ${join(layerDir, 'dev/kiln-null')}`]);
    assert.notEqual(open.code, 0, 'opened the device node');
    const list = await asNobody(['ls', dataDir]);
    assert.notEqual(list.code, 0, `listed the data dir: ${list.out}`);
    assert.equal((await stat(dataDir)).mode & 0o777, 0o700);
  });

  test("while a build runs on that layer: its root filesystem, disk and /tmp are out of other users' reach, and its mounts in the data dir are nosuid,nodev", async () => {
    const blobs = new LocalBlobStore(join(dataDir, 'blobs'));
    const layers = new LayerStore(dataDir, blobs);
    const busybox = await ensureBusyboxBase(layers);
    const driver = new RuncInstanceDriver({ dataDir });
    const name = `secdata${process.pid}`;
    const instance = await driver.create({
      name, hostname: 'secdata', layers: [busybox.dir, layerDir], cpus: 1, memoryMiB: 128, diskGiB: 1, diskMiB: 64, network: 'none',
    });
    try {
      const abort = new AbortController();
      let checked: Promise<void> | undefined;
      const checks = async () => {
        const mounts = await mountsWith(name);
        const rootfs = mounts.find((m) => m.fsType === 'overlay');
        assert.ok(rootfs, `the step's overlay is mounted: ${JSON.stringify(mounts)}`);
        assert.ok(rootfs.options.includes('nodev'), `the root filesystem is nodev: ${rootfs.options.join(',')}`);
        for (const m of mounts.filter((m) => m.point.startsWith(join(dataDir, 'instances')))) {
          assert.ok(m.options.includes('nosuid') && m.options.includes('nodev'), `${m.point} (${m.fsType}) is mounted ${m.options.join(',')}`);
        }
        for (const path of [join(rootfs.point, 'usr/bin/kiln-suid-id'), join(rootfs.point, 'made-in-build')]) {
          const exec = await asNobody([path]);
          assert.notEqual(exec.code, 0, `ran ${path}: ${exec.out}`);
          assert.doesNotMatch(exec.out, /euid=0/);
        }
        const open = await asNobody(['sh', '-c', `: < ${join(rootfs.point, 'dev/kiln-null')}`]);
        assert.notEqual(open.code, 0, 'opened a device node of the build');
        for (const m of mounts.filter((m) => m.fsType === 'ext4' || m.fsType === 'tmpfs')) {
          const list = await asNobody(['ls', m.point]);
          assert.notEqual(list.code, 0, `listed ${m.point}: ${list.out}`);
        }
      };
      const result = await instance.run({
        argv: ['/bin/sh', '-c', 'cp /usr/bin/kiln-suid-id /made-in-build && chmod 4755 /made-in-build && echo data > /tmp/f && echo started && sleep 60'],
        env: [], cwd: '/', user: 'root', timeoutMs: 120_000, signal: abort.signal,
        onOutput: (_s, chunk) => {
          if (!checked && chunk.toString().includes('started')) checked = checks().finally(() => abort.abort());
        },
      });
      assert.ok(checked, `the step started: exit ${result.exitCode}`);
      await checked;
    } finally {
      await instance.destroy();
    }
    assert.deepEqual(await driver.leftovers(name), []);
  });
});
