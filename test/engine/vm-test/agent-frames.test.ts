import assert from 'node:assert/strict';
import { Duplex, Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { AgentProtocolError, FrameDecoder, parseExit } from '../../../src/engine/vm-test/agent-frames.js';
import { AgentLostError, AgentSession } from '../../../src/engine/vm-test/agent-session.js';

/*
 * The host's side of the agent protocol against a hostile guest: the bytes a guest sends are
 * crafted here (a fake connection: the unit is AgentSession alone). Every violation breaks the
 * session at once — the owner kills the VM — and the running command rejects with it.
 */

function frame(type: string, id: number, payload: Buffer | string = ''): Buffer {
  const p = Buffer.from(payload);
  const h = Buffer.alloc(9);
  h.write(type, 0, 'latin1');
  h.writeUInt32BE(id, 1);
  h.writeUInt32BE(p.length, 5);
  return Buffer.concat([h, p]);
}

async function greeted(silenceMs?: number) {
  const written: Buffer[] = [];
  const conn = new Duplex({ read() {}, write(chunk: Buffer, _enc, cb) { written.push(chunk); cb(); } });
  const broken: Error[] = [];
  const session = new AgentSession(conn, (err) => broken.push(err), silenceMs);
  const hello = session.waitForHello(10_000);
  conn.push(frame('H', 0, 'kiln-test-agent 1'));
  await hello;
  const output: string[] = [];
  const run = () => session.run({ argv: ['/bin/true'], env: [], cwd: '/', user: 'root', timeoutMs: 60_000, onOutput: (s, c) => output.push(`${s}:${c}`) });
  return { conn, written, broken, session, run, output };
}

describe('the agent protocol against a hostile guest', () => {
  test('frames cut anywhere are reassembled; a run resolves with the guest\'s exit status', async () => {
    const { conn, run, output, written } = await greeted();
    const result = run();
    assert.equal(String.fromCharCode(written[0]![0]!), 'R');
    const bytes = Buffer.concat([frame('O', 1, 'hello '), frame('E', 1, 'warn'), frame('O', 1, 'world'), frame('X', 1, 'signal 9')]);
    for (const b of bytes) conn.push(Buffer.from([b]));
    assert.deepEqual(await result, { exitCode: 137, timedOut: false, cancelled: false });
    assert.deepEqual(output, ['stdout:hello ', 'stderr:warn', 'stdout:world']);
  });

  const violations: [string, (id: number) => Buffer, RegExp][] = [
    ['a frame of an unknown type', (id) => frame('Z', id, 'x'), /unknown type 0x5a/],
    ['an output frame longer than 64 KiB (refused on its header alone)', (id) => frame('O', id).fill(0xff, 5, 9), /O frame of 4294967295 bytes/],
    ['an exit frame with a long payload', (id) => frame('X', id, 'exit 0'.padEnd(600, ' ')), /X frame of 600 bytes/],
    ['output for a request that is not running', (id) => frame('O', id + 7, 'x'), /not running/],
    ['a second hello', () => frame('H', 0, 'kiln-test-agent 1'), /hello twice/],
    ['a malformed exit status', (id) => frame('X', id, 'exit 300'), /malformed exit status/],
    ['a malformed unknown-user answer', (id) => frame('U', id, 'nobody'), /malformed unknown-user/],
    ['a heartbeat with a payload', (id) => frame('B', id, 'x'), /heartbeat with a payload/],
  ];
  for (const [what, bytes, message] of violations) {
    test(`${what} breaks the session and fails the running command`, async () => {
      const { conn, run, broken, session } = await greeted();
      const result = run();
      conn.push(bytes(1));
      await assert.rejects(result, (err: Error) => err instanceof AgentProtocolError && message.test(err.message));
      assert.equal(broken.length, 1);
      await assert.rejects(run(), AgentProtocolError, 'a broken session takes no more commands');
      assert.ok(session.broken);
    });
  }

  test('a command the agent cannot be given (a NUL byte) is refused before anything is sent; the session stays usable', async () => {
    const { session, written, broken } = await greeted();
    await assert.rejects(session.run({ argv: ['/bin/sh', '-c', 'echo a\0b'], env: [], cwd: '/', user: 'root', timeoutMs: 1000, onOutput: () => undefined }), /NUL byte/);
    assert.deepEqual(written, []);
    assert.deepEqual(broken, []);
    assert.equal(session.broken, undefined);
  });

  test('output while no command runs is a violation', async () => {
    const { conn, broken } = await greeted();
    conn.push(frame('O', 0, 'unasked'));
    assert.ok(broken[0] instanceof AgentProtocolError);
  });

  test('the connection closing mid-command (the VM died) fails the command with AgentLostError', async () => {
    const { conn, run, broken } = await greeted();
    const result = run();
    conn.push(null);
    conn.destroy();
    await assert.rejects(result, AgentLostError);
    assert.ok(broken[0] instanceof AgentLostError);
  });

  test('an agent silent for longer than the limit while a command runs is lost (it beats every 5 s)', async () => {
    const { conn, run, broken } = await greeted(300);
    const result = run();
    conn.push(frame('B', 1));
    await assert.rejects(result, (err: Error) => err instanceof AgentLostError && /sent nothing for 0 s while a command ran/.test(err.message));
    assert.ok(broken[0] instanceof AgentLostError);
  });

  test('stdin fed against backpressure leaves no listener behind on the connection (one wait per full buffer)', async () => {
    let stdinEnded: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => { stdinEnded = resolve; });
    // a slow guest: each write completes later, and every frame fills the buffer (write returns false)
    const conn = new Duplex({ read() {}, writableHighWaterMark: 1, write(chunk: Buffer, _enc, cb) {
      if (chunk[0] === 0x49 && chunk.readUInt32BE(5) === 0) stdinEnded();
      setImmediate(cb);
    } });
    const session = new AgentSession(conn, () => undefined);
    const hello = session.waitForHello(10_000);
    conn.push(frame('H', 0, 'kiln-test-agent 1'));
    await hello;
    const listeners = { close: conn.listenerCount('close'), drain: conn.listenerCount('drain') };
    const stdin = Readable.from(Array.from({ length: 40 }, () => Buffer.alloc(64 * 1024, 7)));
    const result = session.run({ argv: ['/bin/cat'], env: [], cwd: '/', user: 'root', timeoutMs: 60_000, onOutput: () => undefined, stdin });
    await ended;
    assert.deepEqual({ close: conn.listenerCount('close'), drain: conn.listenerCount('drain') }, listeners);
    conn.push(frame('X', 1, 'exit 0'));
    assert.equal((await result).exitCode, 0);
  });

  test('the decoder never holds more than one frame of bytes, and exits map as the runc driver\'s do', () => {
    const d = new FrameDecoder();
    assert.deepEqual(d.push(frame('O', 3, Buffer.alloc(65536, 1)).subarray(0, 60_000)), []);
    assert.throws(() => new FrameDecoder().push(frame('O', 1, Buffer.alloc(65537))), AgentProtocolError);
    assert.equal(parseExit(Buffer.from('exit 0')), 0);
    assert.equal(parseExit(Buffer.from('exit 255')), 255);
    assert.equal(parseExit(Buffer.from('signal 15')), 143);
    for (const bad of ['exit -1', 'signal 0', 'signal 65', 'exit 1\n', 'exit 0001']) assert.throws(() => parseExit(Buffer.from(bad)), AgentProtocolError, bad);
  });
});
