import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemEnv } from './run-command.js';
import { SysCallError } from './sys-helper-error.js';
import { HelperProcess } from './sys-helper-process.js';
import { encodeRequest, parseLine, parseXattrFields, type RequestArg, type XattrFields } from './sys-helper-wire.js';

/** The helper's program, beside this module (run from the source tree through tsx). */
export const SYS_HELPER_SCRIPT = fileURLToPath(new URL('./sys-helper.pl', import.meta.url));

/** Node's names of the architectures `sys-helper.pl` has system call numbers for. */
const ARCHES = ['x64', 'arm64'];

/** How a helper is started (tests use these to make it unavailable). */
export interface SysHelperOptions {
  /** The perl program: a name looked up on the system PATH, or a path. Default `perl`. */
  perl?: string;
  /** Node's name of the machine's architecture. Default `process.arch`. */
  arch?: string;
}

interface Pending {
  call: string;
  resolve(fields: string[]): void;
  reject(err: Error): void;
}

/**
 * A long-lived helper process that makes the few system calls Node's fs lacks — mount(2),
 * umount2(2), llistxattr(2)/lgetxattr(2), and the idmapped mounts of build instances
 * (unshare(2), open_tree(2), mount_setattr(2), move_mount(2)) — and starts processes, so the
 * engine does not start a `mount`, `umount` or `getfattr` process for every build step.
 * Starting a process costs 20–40 ms on a busy machine (more than the calls themselves by two
 * orders of magnitude), and a step used to start three.
 *
 * The helper is Perl (perl-base is Essential on Debian, so always there): `sys-helper.pl`,
 * which describes its line protocol. It answers one request at a time, in order, and ends when
 * its stdin closes (the engine exiting).
 */
export class SysHelper {
  private readonly pending = new Map<number, Pending>();
  private readonly runs = new Map<number, HelperProcess>();
  private nextId = 1;
  private buffered = '';
  private dead = false;

  private constructor(private readonly child: ChildProcess) {
    child.stdout!.setEncoding('latin1');
    child.stdout!.on('data', (chunk: string) => this.onData(chunk));
    child.stdin!.on('error', () => undefined); // a dead helper shows as its exit
    child.on('error', (err) => this.die(err));
    child.on('exit', (code, signal) => this.die(new Error(`the system-call helper exited (${signal ?? code})`)));
    this.idle();
  }

  /**
   * Starts a helper; undefined where it cannot run: an architecture whose system call numbers
   * the helper does not know, or no perl.
   */
  static start(o: SysHelperOptions = {}): SysHelper | undefined {
    if (!ARCHES.includes(o.arch ?? process.arch)) return undefined;
    const env = systemEnv();
    const perl = findProgram(o.perl ?? 'perl', env.PATH ?? '');
    if (!perl) return undefined;
    return new SysHelper(spawn(perl, [SYS_HELPER_SCRIPT], { env, stdio: ['pipe', 'pipe', 'inherit'] }));
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** mount(2); relative paths in `source`, `target` and `data` resolve against `cwd` (when given). */
  async mount(o: { source: string; target: string; fstype: string; flags?: number; data?: string; cwd?: string }): Promise<void> {
    await this.request('mount', [o.cwd ?? '', o.source, o.target, o.fstype, o.flags ?? 0, o.data ?? '']);
  }

  /** umount2(2). */
  async umount(target: string, flags = 0): Promise<void> {
    await this.request('umount', [target, flags]);
  }

  /**
   * Idmapped bind mounts: each `source` tree is cloned (open_tree(OPEN_TREE_CLONE)), given the
   * id map `map` (uid_map/gid_map lines, `<inside> <outside> <count>`) of a fresh user namespace
   * plus the `MOUNT_ATTR_*` bits in `attrs`, and attached at `target` (move_mount). A file whose
   * id on disk is `inside + k` shows as `outside + k` through the mount, and a file created
   * through it by `outside + k` is stored as `inside + k`; ids outside the map show as the
   * overflow id (65534) and cannot be written. The user namespace lives only as long as the mounts
   * (the helper's child that made it has ended when this resolves). Stops at the first failure
   * (the mounts made before it stay).
   */
  async idmapMounts(map: string, attrs: number, mounts: { source: string; target: string }[]): Promise<void> {
    if (mounts.length === 0) return;
    await this.request('idmap', [map, attrs, ...mounts.flatMap((m) => [m.source, m.target])]);
  }

  /**
   * Every extended attribute of every file under `root` (the root itself is ''), symlinks not
   * followed. A root that does not exist, or is on a filesystem without extended attributes, has none.
   */
  async xattrTree(root: string): Promise<XattrFields> {
    return parseXattrFields(await this.request('xattrs', [root]));
  }

  /**
   * Starts `argv` (PATH searched by the helper's exec; the engine's system environment) with
   * stdin from /dev/null and stdout/stderr piped back. The helper is a small process, so its
   * fork costs little, where forking the engine (hundreds of MB mapped) costs 10-20 ms.
   * When it cannot be started, the process emits `error` and then `close`; a missing program
   * exits 127.
   */
  spawn(argv: string[], cwd = ''): HelperProcess {
    const proc = new HelperProcess((pid, signal) => this.signal(pid, signal));
    const runId = this.nextId++;
    this.runs.set(runId, proc);
    this.request('run', [runId, cwd, ...argv]).then(
      ([pid]) => {
        proc.pid = Number(pid);
      },
      (err: Error) => {
        if (!this.runs.delete(runId)) return; // already ended by the helper's death
        if (proc.listenerCount('error') > 0) proc.emit('error', err);
        proc.exited(null, null);
      },
    );
    return proc;
  }

  /** kill(2) of a process this helper started. */
  async signal(pid: number, signal: number): Promise<void> {
    await this.request('kill', [pid, signal]);
  }

  /** Ends the helper (tests; the engine simply exits). */
  stop(): void {
    this.child.stdin!.end();
  }

  private request(call: string, args: RequestArg[]): Promise<string[]> {
    if (this.dead) return Promise.reject(new SysCallError(call, '', 'the system-call helper is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { call, resolve, reject });
      this.busy();
      this.child.stdin!.write(encodeRequest(id, call, args));
    });
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let start = 0;
    for (let nl = this.buffered.indexOf('\n'); nl >= 0; nl = this.buffered.indexOf('\n', start)) {
      this.onLine(this.buffered.slice(start, nl));
      start = nl + 1;
    }
    this.buffered = this.buffered.slice(start);
    if (this.pending.size === 0 && this.runs.size === 0) this.idle();
  }

  private onLine(text: string): void {
    const line = parseLine(text);
    if (line.kind === 'out') this.runs.get(line.run)?.output(line.stream, line.data);
    else if (line.kind === 'exit') {
      const proc = this.runs.get(line.run);
      this.runs.delete(line.run);
      proc?.exited(line.code, line.signal);
    } else if (line.kind === 'ok' || line.kind === 'err') {
      const p = this.pending.get(line.id);
      if (!p) return;
      this.pending.delete(line.id);
      if (line.kind === 'ok') p.resolve(line.fields);
      else p.reject(new SysCallError(p.call, line.errno, line.message));
    }
  }

  private die(err: Error): void {
    if (this.dead) return;
    this.dead = true;
    for (const p of this.pending.values()) p.reject(new SysCallError(p.call, '', err.message));
    this.pending.clear();
    for (const proc of this.runs.values()) {
      if (proc.listenerCount('error') > 0) proc.emit('error', err);
      proc.exited(null, 'SIGKILL');
    }
    this.runs.clear();
  }

  /** While a request or a process is out, the helper's pipes keep Node running; idle, they do not. */
  private busy(): void {
    this.child.ref();
    (this.child.stdout as unknown as { ref?(): void }).ref?.();
  }

  private idle(): void {
    this.child.unref();
    (this.child.stdout as unknown as { unref?(): void }).unref?.();
    (this.child.stdin as unknown as { unref?(): void }).unref?.();
  }
}

/** `program` itself when it is a path, else the first executable of that name on `path`. */
function findProgram(program: string, path: string): string | undefined {
  const candidates = program.includes('/') ? [program] : path.split(':').filter((d) => d !== '').map((d) => join(d, program));
  return candidates.find((file) => {
    try {
      accessSync(file, fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
