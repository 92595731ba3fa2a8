import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex, Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { OutputListenerError } from '../../../src/engine/instance/instance.js';
import { UnknownUserError } from '../../../src/engine/instance/user.js';
import { AgentSession, type AgentRun } from '../../../src/engine/vm-test/agent-session.js';
import { AGENT_SCRIPT } from '../../../src/engine/vm-test/guest-agent.js';

/*
 * The real guest agent (perl, as the VM runs it) on this host, its port replaced by stdin and
 * stdout (`--stdio`), driven by the host's AgentSession: what a test step needs of it without
 * booting a VM. test/e2e/vm-test.test.ts runs it in a booted VM.
 */

let agent: ChildProcess;
let session: AgentSession;
let broken: Error | undefined;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-agent-'));
  await chmod(dir, 0o755);
  agent = spawn('perl', [AGENT_SCRIPT, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  session = new AgentSession(Duplex.from({ readable: agent.stdout!, writable: agent.stdin! }), (err) => { broken = err; });
  await session.waitForHello(10_000);
});
after(async () => {
  agent.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

function collect(over: Partial<AgentRun> & { argv: string[] }) {
  const out = { stdout: '', stderr: '' };
  const run: AgentRun = { env: [], cwd: '/', user: 'root', timeoutMs: 10_000, onOutput: (s, c) => { out[s] += c.toString(); }, ...over };
  return { out, result: session.run(run) };
}

describe('the test agent', () => {
  test('runs a command, streaming stdout and stderr apart, and reports its exit code', async () => {
    const { out, result } = collect({ argv: ['/bin/sh', '-c', 'echo to-out; echo to-err >&2; head -c 100000 /dev/zero | tr "\\0" x; exit 7'] });
    assert.deepEqual(await result, { exitCode: 7, timedOut: false, cancelled: false });
    assert.equal(out.stdout, `to-out\n${'x'.repeat(100_000)}`);
    assert.equal(out.stderr, 'to-err\n');
  });

  test('runs as the requested user, in the requested directory (made when missing), with exactly the requested env plus PATH and HOME', async () => {
    const cwd = join(dir, 'made', 'here');
    const { out, result } = collect({ argv: ['/bin/sh', '-c', 'id -u; id -g; pwd; echo "$FOO|$HOME|$PATH"; env | grep -c . '], user: 'nobody', cwd, env: ['FOO=a=b c'] });
    assert.equal((await result).exitCode, 0, out.stderr);
    assert.equal(out.stdout, `65534\n65534\n${cwd}\na=b c|/nonexistent|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n4\n`);
    assert.ok((await stat(cwd)).isDirectory());
  });

  test('a numeric user and group need no entry; an unknown name is UnknownUserError', async () => {
    const { out, result } = collect({ argv: ['/bin/sh', '-c', 'id -u; id -g'], user: '4321:99' });
    assert.equal((await result).exitCode, 0);
    assert.equal(out.stdout, '4321\n99\n');
    await assert.rejects(collect({ argv: ['/bin/true'], user: 'no-such-user' }).result, (err: Error) => err instanceof UnknownUserError && /no-such-user/.test(err.message));
    await assert.rejects(collect({ argv: ['/bin/true'], user: 'root:no-such-group' }).result, UnknownUserError);
  });

  test('feeds stdin as the command reads it, larger than a frame', async () => {
    const data = Buffer.alloc(300_000, 'k');
    const { out, result } = collect({ argv: ['/bin/sh', '-c', 'wc -c'], stdin: Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]) });
    assert.equal((await result).exitCode, 0);
    assert.equal(out.stdout.trim(), '300000');
  });

  test('a command that cannot start exits 127 with the reason on stderr', async () => {
    const { out, result } = collect({ argv: ['/no/such/binary'] });
    assert.equal((await result).exitCode, 127);
    assert.match(out.stderr, /cannot run \/no\/such\/binary/);
  });

  test('a timeout or a cancel kills the command\'s whole process group; the agent takes the next command', async () => {
    const timed = await collect({ argv: ['/bin/sh', '-c', 'sleep 60 & sleep 60'], timeoutMs: 300 }).result;
    assert.deepEqual(timed, { exitCode: 137, timedOut: true, cancelled: false });
    const abort = new AbortController();
    const { out, result } = collect({ argv: ['/bin/sh', '-c', 'echo started; exec sleep 60'], signal: abort.signal, onOutput: () => abort.abort() });
    assert.deepEqual(await result, { exitCode: 137, timedOut: false, cancelled: true });
    assert.equal(out.stdout, '');
    assert.equal((await collect({ argv: ['/bin/true'] }).result).exitCode, 0);
  });

  test('a quiet command outlives the silence limit: the agent beats while it runs', async () => {
    const quiet = spawn('perl', [AGENT_SCRIPT, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const lost: Error[] = [];
      const s = new AgentSession(Duplex.from({ readable: quiet.stdout!, writable: quiet.stdin! }), (err) => lost.push(err), 8_000);
      await s.waitForHello(10_000);
      const done = await s.run({ argv: ['/bin/sh', '-c', 'sleep 11'], env: [], cwd: '/', user: 'root', timeoutMs: 60_000, onOutput: () => undefined });
      assert.deepEqual(done, { exitCode: 0, timedOut: false, cancelled: false });
      assert.deepEqual(lost, []);
    } finally {
      quiet.kill('SIGKILL');
    }
  });

  test('an output listener that throws stops the command (OutputListenerError)', async () => {
    const run = collect({ argv: ['/bin/sh', '-c', 'echo x; sleep 60'], onOutput: () => { throw new Error('log full'); } }).result;
    await assert.rejects(run, OutputListenerError);
    assert.equal((await collect({ argv: ['/bin/true'] }).result).exitCode, 0);
    assert.equal(broken, undefined);
  });
});
