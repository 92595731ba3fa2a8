import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile, chown } from 'node:fs/promises';
import { openSync, closeSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYS_HELPER_SCRIPT } from '../../src/engine/system/sys-helper-client.js';
import { isMounted, unmount } from '../../src/engine/instance/mounts.js';

/*
 * `sys-helper.pl` spoken to directly: its program started as the engine starts it, and lines
 * written and read as its header describes them.
 */

const hex = (s: string) => (s === '' ? '-' : Buffer.from(s).toString('hex'));
const text = (h: string) => Buffer.from(h === '-' ? '' : h, 'hex').toString();

/** One helper process and the lines it wrote, read in order. */
class Session {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;
  private readonly lines: string[] = [];
  private partial = '';
  private wake: (() => void) | undefined;
  private closed = false;

  constructor() {
    this.child = spawn('perl', [SYS_HELPER_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('latin1');
    this.child.stdout.on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop()!;
      this.lines.push(...parts);
      this.wake?.();
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    this.child.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** The first line not yet taken that `match` accepts (taken now), once it has come. */
  async take(match: (line: string) => boolean): Promise<string> {
    for (;;) {
      const i = this.lines.findIndex(match);
      if (i >= 0) return this.lines.splice(i, 1)[0]!;
      if (this.closed) throw new Error(`the helper ended (${this.child.exitCode ?? this.child.signalCode}) before the line awaited`);
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Sends request `id` and returns the words of its reply after the id. */
  async ask(id: number, op: string, ...args: string[]): Promise<string[]> {
    this.send([id, op, ...args].join(' '));
    return (await this.take((l) => l.startsWith(`${id} `))).split(' ').slice(1);
  }

  /** Everything a `run` wrote to `stream` and how it exited ([code, signal]). */
  async finished(run: number): Promise<{ stdout: string; stderr: string; exit: [number, number] }> {
    const exit = (await this.take((l) => l.startsWith(`- exit ${run} `))).split(' ');
    const out = { stdout: '', stderr: '' };
    for (let i = this.lines.findIndex((l) => l.startsWith(`- out ${run} `)); i >= 0; i = this.lines.findIndex((l) => l.startsWith(`- out ${run} `))) {
      const [, , , stream, data] = this.lines.splice(i, 1)[0]!.split(' ');
      out[stream as 'stdout' | 'stderr'] += text(data!);
    }
    return { ...out, exit: [Number(exit[3]), Number(exit[4])] };
  }

  async close(): Promise<number | null> {
    this.child.stdin.end();
    return this.exited;
  }
}

const sessions: Session[] = [];
function session(): Session {
  const s = new Session();
  sessions.push(s);
  return s;
}
const dirs: string[] = [];
async function scratch(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'kiln-sys-helper-'));
  dirs.push(d);
  return d;
}
after(async () => {
  for (const s of sessions) s.child.kill('SIGKILL');
  for (const d of dirs.reverse()) {
    for (const sub of ['m', 'mnt', 'sys', 'view']) await unmount(join(d, sub)).catch(() => undefined);
    await rm(d, { recursive: true, force: true });
  }
});

describe('the system-call helper program (sys-helper.pl)', () => {
  test('compiles (perl -c) and names errors and flags instead of numbering them', async () => {
    const r = spawnSync('perl', ['-c', SYS_HELPER_SCRIPT], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /syntax OK/);
    const source = await readFile(SYS_HELPER_SCRIPT, 'utf8');
    assert.doesNotMatch(source, /\$! *[=!]= *\d/, 'errno compared by number');
    assert.doesNotMatch(source, /waitpid\([^,]+, *[1-9]/, 'waitpid flags by number');
    assert.match(source, /\$!\{ENOENT\}/);
  });

  test('mount and umount: replies, and error replies that name the errno', async () => {
    const s = session();
    const dir = await scratch();
    await mkdir(join(dir, 'm'));
    // a relative target resolves against the request's cwd
    assert.deepEqual(await s.ask(1, 'mount', hex(dir), hex('kiln-test'), hex('m'), hex('tmpfs'), '0', hex('size=1m')), ['ok']);
    assert.equal(await isMounted(join(dir, 'm')), true);
    assert.deepEqual(await s.ask(2, 'umount', hex(join(dir, 'm')), '0'), ['ok']);
    assert.equal(await isMounted(join(dir, 'm')), false);
    assert.deepEqual(await s.ask(3, 'umount', hex(join(dir, 'm')), '0'), ['err', 'EINVAL', hex('Invalid argument')]);
    assert.deepEqual(await s.ask(4, 'umount', hex(join(dir, 'absent')), '0'), ['err', 'ENOENT', hex('No such file or directory')]);
    const [, errno] = await s.ask(5, 'mount', '-', hex('x'), hex(join(dir, 'm')), hex('no-such-fs'), '0', '-');
    assert.equal(errno, 'ENODEV');
  });

  test('xattrs: every attribute under a root, symlinks not followed; none where there are none', async () => {
    const s = session();
    const dir = await scratch();
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', 'f'), 'x');
    await writeFile(join(dir, 'plain'), 'y');
    await symlink('sub/f', join(dir, 'link'));
    const set = (name: string, value: string, path: string) => assert.equal(spawnSync('setfattr', ['-h', '-n', name, '-v', value, path]).status, 0);
    set('user.a', 'one', join(dir, 'sub', 'f'));
    set('trusted.b', '0x00ff', join(dir, 'sub'));
    set('trusted.c', 'two', join(dir, 'link'));
    const [status, ...fields] = await s.ask(1, 'xattrs', hex(dir));
    assert.equal(status, 'ok');
    const tree = new Map(fields.map((f) => [text(f.split('=')[0]!), f.split('=')[1]!.split(',').map((p) => p.split(':').map((h, i) => (i === 0 ? text(h) : h)))]));
    assert.deepEqual(
      [...tree.entries()].sort(),
      [
        ['link', [['trusted.c', hex('two')]]],
        ['sub', [['trusted.b', '00ff']]],
        ['sub/f', [['user.a', hex('one')]]],
      ],
    );
    // a root that does not exist (llistxattr: ENOENT) has none
    assert.deepEqual(await s.ask(2, 'xattrs', hex(join(dir, 'absent'))), ['ok']);
    // a filesystem without extended attributes (llistxattr: EOPNOTSUPP) has none: sysfs's empty
    // mount-point folders, in a sysfs of our own so nothing is mounted on them
    await mkdir(join(dir, 'sys'));
    assert.equal(spawnSync('mount', ['-t', 'sysfs', 'kiln-test', join(dir, 'sys')]).status, 0);
    const noXattrs = join(dir, 'sys', 'fs', 'bpf');
    assert.match(spawnSync('getfattr', ['-d', '-m', '-', noXattrs], { encoding: 'utf8' }).stderr, /Operation not supported/);
    assert.deepEqual(await s.ask(3, 'xattrs', hex(noXattrs)), ['ok']);
    // other failures are errors
    assert.deepEqual(await s.ask(4, 'xattrs', hex(join(dir, 'plain', 'x'))), ['err', 'ENOTDIR', hex(`llistxattr ${join(dir, 'plain', 'x')}: Not a directory`)]);
  });

  test('run: output and exit as events, the pid as the reply; a missing program exits 127; kill', async () => {
    const s = session();
    const dir = await scratch();
    const [ok, pid] = await s.ask(1, 'run', '7', hex(dir), hex('sh'), hex('-c'), hex('pwd; echo oops >&2; exit 3'));
    assert.equal(ok, 'ok');
    assert.match(pid!, /^[1-9][0-9]*$/);
    assert.deepEqual(await s.finished(7), { stdout: `${dir}\n`, stderr: 'oops\n', exit: [3, 0] });

    await s.ask(2, 'run', '8', '-', hex('/nonexistent/program'));
    assert.deepEqual(await s.finished(8), { stdout: '', stderr: 'cannot run /nonexistent/program: No such file or directory\n', exit: [127, 0] });

    const [, sleeper] = await s.ask(3, 'run', '9', '-', hex('sleep'), hex('600'));
    assert.deepEqual(await s.ask(4, 'kill', sleeper!, '15'), ['ok']);
    assert.deepEqual((await s.finished(9)).exit, [0, 15]);
    // only its own processes, while they run
    assert.deepEqual(await s.ask(5, 'kill', sleeper!, '15'), ['err', '-', hex(`kill: ${sleeper} is not a process the helper runs`)]);
    assert.deepEqual(await s.ask(6, 'kill', '0', '15'), ['err', '-', hex('kill: 0 is not a process the helper runs')]);
  });

  test('idmap: a tree attached with its ids shifted; a missing source names the errno', async () => {
    const s = session();
    const dir = await scratch();
    await mkdir(join(dir, 'src'));
    await mkdir(join(dir, 'view'));
    await writeFile(join(dir, 'src', 'f'), 'x');
    await chown(join(dir, 'src', 'f'), 0, 0);
    const map = '0 200000 1000\n';
    assert.deepEqual(await s.ask(1, 'idmap', hex(map), '1', hex(join(dir, 'src')), hex(join(dir, 'view'))), ['ok']);
    const st = await stat(join(dir, 'view', 'f'));
    assert.deepEqual([st.uid, st.gid], [200000, 200000]);
    await assert.rejects(writeFile(join(dir, 'view', 'g'), 'y'), { code: 'EROFS' }); // MOUNT_ATTR_RDONLY
    const [err, errno, message] = await s.ask(2, 'idmap', hex(map), '0', hex(join(dir, 'absent')), hex(join(dir, 'view')));
    assert.deepEqual([err, errno, text(message!)], ['err', 'ENOENT', `open_tree ${join(dir, 'absent')}: No such file or directory`]);
  });

  test('malformed requests are refused (err -) and the helper goes on', async () => {
    const s = session();
    const refusals: [string, string][] = [
      ['', 'malformed request: no id'],
      ['x umount 2f 0', 'malformed request: no id'],
      ['0 umount 2f 0', 'malformed request: no id'],
      ['-1 umount 2f 0', 'malformed request: no id'],
    ];
    for (const [line, message] of refusals) {
      s.send(line);
      assert.deepEqual((await s.take((l) => l.startsWith('0 '))).split(' '), ['0', 'err', '-', hex(message)]);
    }
    const cases: [string[], string][] = [
      [[], 'malformed request: no operation'],
      [['frobnicate', '2f'], 'unknown request frobnicate'],
      [['umount', '2f'], 'malformed request umount: 1 arguments'],
      [['umount', '2f', '0', '0'], 'malformed request umount: 3 arguments'],
      [['umount', '2g', '0'], 'malformed request umount: argument 1 is not hex'],
      [['umount', '2', '0'], 'malformed request umount: argument 1 is not hex'],
      [['umount', '2f', 'two'], 'malformed request umount: argument 2 is not a number'],
      [['umount', '2f', ''], 'malformed request umount: argument 2 is not a number'],
      [['idmap', '2f', '0', '2f'], 'malformed request idmap: 3 arguments'],
      [['idmap', '2f', '0', '2f', '2f', '2f'], 'malformed request idmap: 5 arguments'],
      [['run', '1', '-'], 'malformed request run: 2 arguments'],
      [['kill', '1'], 'malformed request kill: 1 arguments'],
    ];
    let id = 10;
    for (const [words, message] of cases) {
      assert.deepEqual(await s.ask(++id, ...(words as [string, ...string[]])), ['err', '-', hex(message)], words.join(' '));
    }
    assert.deepEqual(await s.ask(99, 'xattrs', hex('/nonexistent')), ['ok']);
    assert.equal(s.child.exitCode, null);
    assert.equal(await s.close(), 0); // and it ends when its input does
  });

  test('output stays whole when children end while a write to a slow reader is blocked', async () => {
    const s = session();
    const dir = await scratch();
    // each B ends when we write to its fifo: its SIGCHLD is to come while the helper is blocked
    const bs: string[] = [];
    for (const run of [1, 2, 3]) {
      assert.equal(spawnSync('mkfifo', [join(dir, `fifo${run}`)]).status, 0);
      bs.push((await s.ask(run, 'run', String(run), '-', hex('sh'), hex('-c'), hex(`read x < ${join(dir, `fifo${run}`)}`)))[1]!);
    }
    s.child.stdout.pause();
    const size = 4 << 20;
    s.send(`4 run 4 - ${hex('head')} ${hex('-c')} ${hex(String(size))} ${hex('/dev/zero')}`);
    const writeSyscall = { x64: 1, arm64: 64 }[process.arch as 'x64' | 'arm64'];
    const inWrite = async () => (await readFile(`/proc/${s.child.pid}/syscall`, 'utf8')).split(' ')[0] === String(writeSyscall);
    const state = async (pid: string) => (await readFile(`/proc/${pid}/stat`, 'utf8')).replace(/^.*\) /s, '')[0];
    for (const [i, pid] of bs.entries()) {
      // (a write that had sent part of a line returns when interrupted, and the next one blocks)
      while (!(await inWrite())) await new Promise((r) => setImmediate(r));
      const fd = openSync(join(dir, `fifo${i + 1}`), 'w');
      writeSync(fd, '\n');
      closeSync(fd);
      while ((await state(pid)) !== 'Z') await new Promise((r) => setImmediate(r));
    }
    while (!(await inWrite())) await new Promise((r) => setImmediate(r));
    assert.deepEqual(await Promise.all(bs.map(state)), ['Z', 'Z', 'Z'], 'no B is reaped while the helper writes');
    s.child.stdout.resume();
    for (const run of [1, 2, 3]) assert.deepEqual(await s.finished(run), { stdout: '', stderr: '', exit: [0, 0] });
    const a = await s.finished(4);
    assert.equal(a.stdout.length, size);
    assert.equal(a.stdout, '\0'.repeat(size));
    assert.deepEqual(a.exit, [0, 0]);
    assert.deepEqual(await s.ask(5, 'xattrs', hex('/nonexistent')), ['ok']);
  });
});
