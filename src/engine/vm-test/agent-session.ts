import type { Duplex } from 'node:stream';
import { OutputListenerError } from '../instance/instance.js';
import { UnknownUserError } from '../instance/user.js';
import { AgentProtocolError, encodeFrame, encodeRunRequest, FrameDecoder, parseExit, parseUnknownUser, STDIN_CHUNK, type Frame, type GuestFrameType, type RunRequest } from './agent-frames.js';

/** The agent is gone: the connection closed or failed (the VM stopped, crashed or was killed). */
export class AgentLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentLostError';
  }
}

/** One command for the agent (a `StepRun` without the instance's own fields). */
export interface AgentRun extends Omit<RunRequest, 'stdin'> {
  timeoutMs: number;
  onOutput(stream: 'stdout' | 'stderr', chunk: Buffer): void;
  signal?: AbortSignal;
  stdin?: NodeJS.ReadableStream;
}

export interface AgentOutcome {
  exitCode: number;
  timedOut: boolean;
  cancelled: boolean;
}

/** How long a killed command has to report its end before the agent counts as unresponsive. */
const KILL_GRACE_MS = 5_000;
/** The agent beats every 5 s while a command runs; this much silence means it is gone (stopped by the test, or the VM hangs). */
export const DEFAULT_SILENCE_MS = 90_000;

interface Running {
  id: number;
  run: AgentRun;
  done(outcome: AgentOutcome | Error): void;
}

/**
 * The host's side of the agent protocol over one connection (the VM's socket). One command at a
 * time. The first error — a protocol violation, the connection lost, the agent not answering a
 * kill — makes the session `broken` for good: `onBroken` is called once (the owner kills the VM)
 * and every pending or later call rejects with it.
 */
export class AgentSession {
  private readonly decoder = new FrameDecoder();
  private hello: { done(err?: Error): void } | undefined;
  private greeted = false;
  private running: Running | undefined;
  private nextId = 1;
  /** When the guest last sent anything. */
  private heard = Date.now();
  broken: Error | undefined;

  constructor(private readonly conn: Duplex, private readonly onBroken: (err: Error) => void, private readonly silenceMs = DEFAULT_SILENCE_MS) {
    conn.on('data', (chunk: Buffer) => {
      this.heard = Date.now();
      try {
        for (const frame of this.decoder.push(chunk)) this.receive(frame);
      } catch (err) {
        this.fail(err instanceof Error ? err : new Error(String(err)));
      }
    });
    conn.on('error', (err) => this.fail(new AgentLostError(`the connection to the VM's agent failed (${err.message})`)));
    conn.on('close', () => this.fail(new AgentLostError('the VM\'s agent connection closed (the VM stopped)')));
  }

  /** Waits for the agent's hello (it starts when the guest has booted). */
  waitForHello(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.greeted) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new AgentLostError(`the VM's test agent did not start within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      const onAbort = () => finish(new AgentLostError('cancelled while the VM booted'));
      const finish = (err?: Error) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.hello = undefined;
        if (err) reject(err);
        else resolve();
      };
      this.hello = { done: finish };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Runs one command; resolves with how it ended, rejects with `UnknownUserError`, `OutputListenerError` or the broken session's error. */
  run(run: AgentRun): Promise<AgentOutcome> {
    if (this.broken) return Promise.reject(this.broken);
    if (!this.greeted || this.running) return Promise.reject(new Error('the agent is not ready for a command'));
    let request: Buffer;
    try {
      request = encodeRunRequest({ ...run, stdin: run.stdin !== undefined });
    } catch (err) {
      return Promise.reject(err);
    }
    const id = this.nextId++;
    return new Promise<AgentOutcome>((resolve, reject) => {
      let ending: { timedOut: boolean; cancelled: boolean; error?: Error } | undefined;
      let graceTimer: NodeJS.Timeout | undefined;
      const stop = (how: NonNullable<typeof ending>) => {
        if (ending || this.running?.id !== id) return;
        ending = how;
        this.conn.write(encodeFrame('K', id));
        graceTimer = setTimeout(() => this.fail(new AgentLostError(`the VM's agent did not end a killed command within ${KILL_GRACE_MS / 1000} s`)), KILL_GRACE_MS);
      };
      const onAbort = () => stop({ timedOut: false, cancelled: true });
      const timer = run.timeoutMs > 0 && Number.isFinite(run.timeoutMs) ? setTimeout(() => stop({ timedOut: true, cancelled: false }), run.timeoutMs) : undefined;
      this.heard = Date.now();
      const watchdog = setInterval(() => {
        if (Date.now() - this.heard > this.silenceMs) this.fail(new AgentLostError(`the VM's agent sent nothing for ${Math.round(this.silenceMs / 1000)} s while a command ran (the agent was stopped, or the VM hangs)`));
      }, Math.min(5_000, this.silenceMs));
      this.running = {
        id,
        run: { ...run, onOutput: (stream, chunk) => {
          if (ending) return;
          try {
            run.onOutput(stream, chunk);
          } catch (err) {
            stop({ timedOut: false, cancelled: false, error: new OutputListenerError(err) });
          }
        } },
        done: (outcome) => {
          clearTimeout(timer);
          clearInterval(watchdog);
          clearTimeout(graceTimer);
          run.signal?.removeEventListener('abort', onAbort);
          this.running = undefined;
          if (outcome instanceof Error) return reject(outcome);
          if (ending?.error) return reject(ending.error);
          resolve(ending ? { ...outcome, timedOut: ending.timedOut, cancelled: ending.cancelled } : outcome);
        },
      };
      this.conn.write(encodeFrame('R', id, request));
      if (run.stdin) void this.feed(id, run.stdin);
      if (run.signal?.aborted) onAbort();
      else run.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Ends the session (the owner is killing the VM): a running command rejects with `err`. */
  close(err: Error = new AgentLostError('the VM was stopped')): void {
    this.fail(err);
    this.conn.destroy();
  }

  private receive(frame: Frame<GuestFrameType>): void {
    if (frame.type === 'H') {
      if (this.greeted || frame.id !== 0) throw new AgentProtocolError('the agent said hello twice');
      if (!frame.payload.toString('latin1').startsWith('kiln-test-agent 1')) throw new AgentProtocolError('the agent speaks another protocol version');
      this.greeted = true;
      this.hello?.done();
      return;
    }
    const running = this.running;
    if (!running || frame.id !== running.id) throw new AgentProtocolError(`the agent sent a ${frame.type} frame for request ${frame.id}, which is not running`);
    if (frame.type === 'B') {
      if (frame.payload.length > 0) throw new AgentProtocolError('the agent sent a heartbeat with a payload');
    } else if (frame.type === 'O' || frame.type === 'E') {
      running.run.onOutput(frame.type === 'O' ? 'stdout' : 'stderr', frame.payload);
    } else if (frame.type === 'X') {
      running.done({ exitCode: parseExit(frame.payload), timedOut: false, cancelled: false });
    } else {
      const { what, name } = parseUnknownUser(frame.payload);
      running.done(new UnknownUserError(name, what, `no matching entries in the VM's /etc/${what === 'user' ? 'passwd' : 'group'}`));
    }
  }

  /** Sends the command's stdin in frames, as the connection drains; an empty frame ends it (also when the stream fails). */
  private async feed(id: number, stdin: NodeJS.ReadableStream): Promise<void> {
    const alive = () => !this.broken && this.running?.id === id;
    try {
      for await (const piece of stdin as AsyncIterable<Buffer | string>) {
        const buf = typeof piece === 'string' ? Buffer.from(piece) : piece;
        for (let at = 0; at < buf.length && alive(); at += STDIN_CHUNK) {
          if (!this.conn.write(encodeFrame('I', id, buf.subarray(at, at + STDIN_CHUNK)))) await this.drained();
        }
        if (!alive()) return;
      }
    } catch {
      // the command sees an early end of input (StepRun.stdin)
    }
    if (alive()) this.conn.write(encodeFrame('I', id));
  }

  /** The connection drained or closed; neither listener outlives the wait (a large stdin waits many times). */
  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.conn.off('drain', done);
        this.conn.off('close', done);
        resolve();
      };
      this.conn.on('drain', done);
      this.conn.on('close', done);
    });
  }

  private fail(err: Error): void {
    if (this.broken) return;
    this.broken = err;
    this.hello?.done(err);
    this.running?.done(err);
    this.onBroken(err);
  }
}
