import { spawn, type ChildProcess } from 'node:child_process';
import { systemEnv } from './run-command.js';

/**
 * A long-lived helper process that makes the few system calls Node's fs lacks — mount(2),
 * umount2(2), llistxattr(2)/lgetxattr(2) — so the engine does not start a `mount`, `umount` or
 * `getfattr` process for every build step. Starting a process costs 20–40 ms on a busy machine
 * (more than the calls themselves by two orders of magnitude), and a step used to start three.
 *
 * The helper is Perl (perl-base is Essential on Debian, so always there), run with `perl -e`
 * and nothing but core builtins (`syscall`, `lstat`, `readdir`): requests and answers are
 * lines on its stdin/stdout, every path and value hex-encoded so any bytes pass. It runs as
 * the engine (root) in the engine's mount namespace, answers one request at a time in order,
 * and ends when its stdin closes (the engine exiting). Only x86_64 and arm64 syscall numbers
 * are known; elsewhere, or without perl, `sysHelper()` resolves undefined and callers run the
 * commands as before.
 */

/** Syscall numbers: mount, umount2, llistxattr, lgetxattr. */
const SYSCALLS: Partial<Record<string, [number, number, number, number]>> = {
  x64: [165, 166, 195, 192],
  arm64: [40, 39, 12, 9], // the generic table (aarch64)
};

const SCRIPT = String.raw`
use strict;
my ($SYS_MOUNT, $SYS_UMOUNT2, $SYS_LLISTXATTR, $SYS_LGETXATTR) = map { $_ + 0 } @ARGV;
$| = 1;
sub dehex { my $h = shift; return pack('H*', $h eq '-' ? '' : $h); }
sub enhex { my $s = shift; return $s eq '' ? '-' : unpack('H*', $s); }
sub ptr { my $s = shift; return $s eq '' ? 0 : $s; }
sub xattrs {
  my $path = shift;
  my $size = 65536;
  my ($buf, $n);
  for (;;) {
    $buf = "\0" x $size;
    $n = syscall($SYS_LLISTXATTR, $path, $buf, $size);
    last if $n >= 0;
    return '' if $! == 95 || $! == 2;            # EOPNOTSUPP; ENOENT: gone meanwhile
    if ($! == 34) { $size *= 4; next; }          # ERANGE
    die "llistxattr: $!\n";
  }
  my @out;
  for my $name (grep { $_ ne '' } split /\0/, substr($buf, 0, $n)) {
    my $vsize = 65536;
    my ($val, $m);
    for (;;) {
      $val = "\0" x $vsize;
      $m = syscall($SYS_LGETXATTR, $path, $name, $val, $vsize);
      last if $m >= 0;
      last if $! == 61 || $! == 2;               # ENODATA: removed meanwhile
      if ($! == 34) { $vsize *= 4; next; }
      die "lgetxattr: $!\n";
    }
    push @out, enhex($name) . ':' . enhex(substr($val, 0, $m)) if $m >= 0;
  }
  return join(',', @out);
}
sub walk {
  my ($abs, $rel, $out) = @_;
  my $x = xattrs($abs);
  push @$out, enhex($rel) . '=' . $x if $x ne '';
  return unless -d $abs && ! -l $abs;
  opendir(my $dh, $abs) or die "opendir: $!\n";
  my @names = grep { $_ ne '.' && $_ ne '..' } readdir($dh);
  closedir($dh);
  for my $name (@names) {
    my $child = "$abs/$name";
    my $r = $rel eq '' ? $name : "$rel/$name";
    lstat($child);
    if (-d _) { walk($child, $r, $out); }
    else { my $cx = xattrs($child); push @$out, enhex($r) . '=' . $cx if $cx ne ''; }
  }
}
while (my $line = <STDIN>) {
  chomp $line;
  my ($op, @a) = split / /, $line;
  my @res = eval {
    if ($op eq 'mount') {
      my ($cwd, $src, $target, $type, $flags, $data) = (dehex($a[0]), dehex($a[1]), dehex($a[2]), dehex($a[3]), $a[4] + 0, dehex($a[5]));
      if ($cwd ne '') { chdir($cwd) or die sprintf("%d chdir %s: %s\n", $! + 0, $cwd, $!); }
      my $r = syscall($SYS_MOUNT, ptr($src), $target, ptr($type), $flags, ptr($data));
      my $e = $! + 0; my $msg = "$!";
      chdir('/');
      die "$e $msg\n" if $r < 0;
      ();
    } elsif ($op eq 'umount') {
      my ($target, $flags) = (dehex($a[0]), $a[1] + 0);
      syscall($SYS_UMOUNT2, $target, $flags) >= 0 or die sprintf("%d %s\n", $! + 0, $!);
      ();
    } elsif ($op eq 'xattrs') {
      my @out;
      walk(dehex($a[0]), '', \@out);
      @out;
    } else {
      die "0 unknown request\n";
    }
  };
  if ($@) {
    my $err = $@; chomp $err;
    my ($errno, $msg) = $err =~ /^(\d+) (.*)$/s ? ($1, $2) : (0, $err);
    print "err $errno ", enhex($msg), "\n";
  } else {
    print join(' ', 'ok', @res), "\n";
  }
}
`;

/** A failed call: `errno` is the kernel's error number (0 when the failure was not a syscall's). */
export class SysCallError extends Error {
  constructor(
    readonly call: string,
    readonly errno: number,
    message: string,
  ) {
    super(`${call}: ${message}`);
    this.name = 'SysCallError';
  }
}

export const ERRNO = { ENOENT: 2, EBUSY: 16, ENOTDIR: 20, EINVAL: 22 } as const;
export const MNT_DETACH = 2;

interface Pending {
  call: string;
  resolve(fields: string[]): void;
  reject(err: Error): void;
}

const hex = (s: string): string => (s === '' ? '-' : Buffer.from(s, 'utf8').toString('hex'));
const unhex = (h: string): Buffer => (h === '-' ? Buffer.alloc(0) : Buffer.from(h, 'hex'));

export class SysHelper {
  private readonly pending: Pending[] = [];
  private buffered = '';
  private dead = false;

  private constructor(private readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => this.onData(chunk));
    child.stdin!.on('error', () => undefined); // a dead helper shows as its exit
    child.on('error', (err) => this.die(err));
    child.on('exit', (code, signal) => this.die(new Error(`the system-call helper exited (${signal ?? code})`)));
    this.idle();
  }

  static start(): SysHelper | undefined {
    const numbers = SYSCALLS[process.arch];
    if (!numbers) return undefined;
    const child = spawn('perl', ['-e', SCRIPT, ...numbers.map(String)], { env: systemEnv(), stdio: ['pipe', 'pipe', 'inherit'] });
    return new SysHelper(child);
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** mount(2); relative paths in `source`, `target` and `data` resolve against `cwd` (when given). */
  async mount(o: { source: string; target: string; fstype: string; flags?: number; data?: string; cwd?: string }): Promise<void> {
    await this.request('mount', ['mount', hex(o.cwd ?? ''), hex(o.source), hex(o.target), hex(o.fstype), String(o.flags ?? 0), hex(o.data ?? '')]);
  }

  /** umount2(2). */
  async umount(target: string, flags = 0): Promise<void> {
    await this.request('umount', ['umount', hex(target), String(flags)]);
  }

  /** Every extended attribute of every file under `root` (the root itself is ''), symlinks not followed. */
  async xattrTree(root: string): Promise<Map<string, Map<string, Buffer>>> {
    const fields = await this.request('xattrs', ['xattrs', hex(root)]);
    const tree = new Map<string, Map<string, Buffer>>();
    for (const field of fields) {
      const eq = field.indexOf('=');
      const attrs = new Map<string, Buffer>();
      for (const pair of field.slice(eq + 1).split(',')) {
        const colon = pair.indexOf(':');
        attrs.set(unhex(pair.slice(0, colon)).toString('utf8'), unhex(pair.slice(colon + 1)));
      }
      tree.set(unhex(field.slice(0, eq)).toString('utf8'), attrs);
    }
    return tree;
  }

  /** Ends the helper (tests; the engine simply exits). */
  stop(): void {
    this.child.stdin!.end();
  }

  private request(call: string, words: string[]): Promise<string[]> {
    if (this.dead) return Promise.reject(new SysCallError(call, 0, 'the system-call helper is not running'));
    return new Promise((resolve, reject) => {
      this.pending.push({ call, resolve, reject });
      this.busy();
      this.child.stdin!.write(`${words.join(' ')}\n`);
    });
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    for (let nl = this.buffered.indexOf('\n'); nl >= 0; nl = this.buffered.indexOf('\n')) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      const p = this.pending.shift();
      if (!p) continue;
      const [status, ...fields] = line.split(' ');
      if (status === 'ok') p.resolve(fields);
      else p.reject(new SysCallError(p.call, Number(fields[0] ?? 0), unhex(fields[1] ?? '-').toString('utf8')));
    }
    if (this.pending.length === 0) this.idle();
  }

  private die(err: Error): void {
    if (this.dead) return;
    this.dead = true;
    for (const p of this.pending.splice(0)) p.reject(new SysCallError(p.call, 0, err.message));
    if (helper === this) helper = undefined;
  }

  /** While a request is out, the helper's pipes keep Node running; idle, they do not. */
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

let helper: SysHelper | undefined;
let unavailable = false;

/** The shared helper (started on first use, restarted if it died); undefined where it cannot run. */
export function sysHelper(): SysHelper | undefined {
  if (unavailable) return undefined;
  if (helper?.alive) return helper;
  helper = SysHelper.start();
  if (!helper) unavailable = true;
  return helper;
}

/**
 * Runs `call` with the helper; when the helper could not start at all (no perl), marks it
 * unavailable for good and returns undefined so the caller uses its fallback.
 */
export async function withSysHelper<T>(call: (h: SysHelper) => Promise<T>): Promise<{ value: T } | undefined> {
  const h = sysHelper();
  if (!h) return undefined;
  try {
    return { value: await call(h) };
  } catch (err) {
    if (err instanceof SysCallError && err.errno === 0 && !h.alive && (await perlMissing())) {
      unavailable = true;
      return undefined;
    }
    throw err;
  }
}

let perlChecked: Promise<boolean> | undefined;
function perlMissing(): Promise<boolean> {
  perlChecked ??= new Promise((resolve) => {
    const c = spawn('perl', ['-e', '1'], { env: systemEnv(), stdio: 'ignore' });
    c.on('error', () => resolve(true));
    c.on('exit', (code) => resolve(code !== 0));
  });
  return perlChecked;
}
