import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { signalNumber } from '../system/run-command.js';
import type { InstanceCgroup } from './cgroups.js';
import { OutputListenerError, type StepRun } from './instance.js';
import type { InstancePaths } from './instance-paths.js';
import type { Runc } from './runc.js';
import type { HelperProcess } from '../system/sys-helper.js';

/** runc itself failed (bad config, missing binary, mount error): not a failure of the build command. */
export class RuntimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeError';
  }
}

const OOM_POLL_MS = 100;
const KILL_RETRY_MS = 100;

/** How a step's container ended. `polledOom`: the step's cgroup reported an OOM kill while it ran. */
export interface ContainerOutcome {
  exitCode: number;
  timedOut: boolean;
  cancelled: boolean;
  polledOom: boolean;
}

export interface ContainerRun {
  runc: Runc;
  cgroup: InstanceCgroup;
  paths: InstancePaths;
  /** The container's id (unique per step). */
  id: string;
  step: StepRun;
  /** Epoch ms at which the step is killed as timed out (undefined: no limit). */
  deadline: number | undefined;
  /** Receives a function that kills the container as cancelled (for `destroy` during a step); undefined once it ended. */
  setCanceller(cancel: (() => void) | undefined): void;
}

/**
 * Runs one step's container (the bundle at `paths.dir`) to its end: its output to the step's
 * listener, its input from the step's stdin, killed when its time is up, when the step's signal
 * aborts, when its cgroup reports an OOM kill, or when the output listener throws.
 */
export async function runContainer(o: ContainerRun): Promise<ContainerOutcome> {
  const { paths, runc, cgroup, id, step, deadline } = o;
  const child = runc.spawnRun(paths.dir, id, paths.runcLog, step.stdin !== undefined);
  if (step.stdin) {
    // EPIPE when the command ends without reading everything, or the source's own failure:
    // either way the pipe closes (the command sees the end of its input) and the step's
    // result tells what happened.
    pipeline(step.stdin, child.stdin!, () => undefined);
  }
  const closed = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  const state = { done: false, timedOut: false, cancelled: false, polledOom: false };
  const kill = killer(runc, id, child, state);
  const output = deliverOutput(child, step, kill);
  let spawnError: Error | undefined;
  child.on('error', (err) => {
    spawnError = err;
  });
  const cancel = () => {
    state.cancelled = true;
    kill();
  };
  o.setCanceller(cancel);
  const timeout = deadline !== undefined ? setTimeout(() => {
    state.timedOut = true;
    kill();
  }, Math.max(0, deadline - Date.now())) : undefined;
  step.signal?.addEventListener('abort', cancel, { once: true });
  if (step.signal?.aborted) cancel(); // aborted since the setup looked
  const poller = setInterval(() => {
    void cgroup.stepOomKills(id).then((n) => {
      if (n > 0 && !state.done) {
        state.polledOom = true;
        kill();
      }
    });
  }, OOM_POLL_MS);
  try {
    const [code, signal] = await closed;
    state.done = true;
    if (spawnError) throw new RuntimeError(`cannot start runc: ${spawnError.message}`);
    if (output.listenerError !== undefined) throw new OutputListenerError(output.listenerError);
    const exitCode = code ?? 128 + (signal ? signalNumber(signal) : 0);
    return { exitCode, timedOut: state.timedOut, cancelled: state.cancelled && !state.timedOut, polledOom: state.polledOom };
  } finally {
    state.done = true;
    clearTimeout(timeout);
    clearInterval(poller);
    step.signal?.removeEventListener('abort', cancel);
    o.setCanceller(undefined);
  }
}

/** Passes the container's output to the step's listener; a listener that throws would lose output unseen: the step is killed instead, and says why. */
function deliverOutput(child: ChildProcess | HelperProcess, step: StepRun, kill: () => void): { listenerError: unknown } {
  const output: { listenerError: unknown } = { listenerError: undefined };
  const deliver = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    if (output.listenerError !== undefined) return;
    try {
      step.onOutput(stream, chunk);
    } catch (err) {
      output.listenerError = err ?? new Error('unknown error');
      kill();
    }
  };
  child.stdout!.on('data', deliver('stdout'));
  child.stderr!.on('data', deliver('stderr'));
  return output;
}

/** Kills the container once asked, retrying until it is gone (it may not exist yet while runc creates it). */
function killer(runc: Runc, id: string, child: { kill(signal: NodeJS.Signals): boolean }, state: { done: boolean }): () => void {
  let killing = false;
  return () => {
    if (killing) return;
    killing = true;
    void (async () => {
      const started = Date.now();
      while (!state.done) {
        await runc.kill(id, 'KILL').catch(() => false);
        if (state.done) break;
        await sleep(KILL_RETRY_MS);
        if (Date.now() - started > 10_000) child.kill('SIGKILL'); // runc stuck; `delete -f` cleans up
      }
    })();
  };
}

/** runc's own error for the last step, when it logged one to `runcLog` (the container then never ran). */
export async function runtimeFailure(runcLog: string): Promise<string | undefined> {
  let text = '';
  try {
    text = await readFile(runcLog, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string };
      if (entry.level === 'error' || entry.level === 'fatal') return entry.msg ?? line;
    } catch {
      // not JSON: ignore
    }
  }
  return undefined;
}
