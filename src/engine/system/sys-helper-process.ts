import { EventEmitter } from 'node:events';
import { constants as osConstants } from 'node:os';
import { PassThrough } from 'node:stream';

/**
 * A process the system-call helper started (see `SysHelper.spawn`): the parts of a
 * `ChildProcess` the engine uses. `close` comes once it has exited and its stdout and stderr
 * are closed, with the exit code or the name of the signal that ended it.
 */
export class HelperProcess extends EventEmitter {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly stdin = null;
  pid: number | undefined;

  /** `signal` sends a signal (by number) to the process through the helper. */
  constructor(private readonly signal: (pid: number, signal: number) => Promise<void>) {
    super();
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.pid === undefined) return false;
    this.signal(this.pid, osConstants.signals[signal]).catch(() => undefined);
    return true;
  }

  /** @internal */
  output(stream: 'stdout' | 'stderr', data: Buffer): void {
    this[stream].write(data);
  }

  /** @internal `signal` is a number (as the helper reports it, 0 for none) or a name. */
  exited(code: number | null, signal: NodeJS.Signals | number | null): void {
    const name = typeof signal === 'number' ? (signal === 0 ? null : signalName(signal)) : signal;
    let open = 2;
    const done = () => {
      if (--open === 0) this.emit('close', name === null ? code : null, name);
    };
    for (const s of [this.stdout, this.stderr]) {
      s.once('end', done);
      s.end();
      s.resume(); // nobody reading: still let it end
    }
  }
}

function signalName(n: number): NodeJS.Signals {
  for (const [name, num] of Object.entries(osConstants.signals)) if (num === n) return name as NodeJS.Signals;
  return 'SIGKILL';
}
