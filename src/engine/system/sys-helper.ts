import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { constants as osConstants } from 'node:os';
import { PassThrough } from 'node:stream';
import { systemEnv } from './run-command.js';

/**
 * A long-lived helper process that makes the few system calls Node's fs lacks — mount(2),
 * umount2(2), llistxattr(2)/lgetxattr(2), and the idmapped mounts of build instances
 * (unshare(2), open_tree(2), mount_setattr(2), move_mount(2)) — so the engine does not start a
 * `mount`, `umount` or `getfattr` process for every build step. Starting a process costs 20–40 ms on a busy machine
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

/**
 * Syscall numbers: mount, umount2, llistxattr, lgetxattr, unshare, close, open_tree, move_mount,
 * mount_setattr (the last three are the same in every table since Linux 5.2/5.12).
 */
const SYSCALLS: Partial<Record<string, number[]>> = {
  x64: [165, 166, 195, 192, 272, 3, 428, 429, 442],
  arm64: [40, 39, 12, 9, 97, 57, 428, 429, 442], // the generic table (aarch64)
};

const SCRIPT = String.raw`
use strict;
my ($SYS_MOUNT, $SYS_UMOUNT2, $SYS_LLISTXATTR, $SYS_LGETXATTR, $SYS_UNSHARE, $SYS_CLOSE, $SYS_OPEN_TREE, $SYS_MOVE_MOUNT, $SYS_MOUNT_SETATTR) = map { $_ + 0 } @ARGV;
$SIG{PIPE} = 'IGNORE';
$SIG{CHLD} = sub { };                             # interrupts select: exits are reaped at once
sub dehex { my $h = shift; return pack('H*', $h eq '-' ? '' : $h); }
sub enhex { my $s = shift; return $s eq '' ? '-' : unpack('H*', $s); }
sub ptr { my $s = shift; return $s eq '' ? 0 : $s; }
# a write to Node; EINTR (a child ended) and EAGAIN are retried, any other failure means Node is gone
sub say_line {
  my $line = shift;
  my $off = 0;
  while ($off < length $line) {
    my $n = syswrite(STDOUT, $line, length($line) - $off, $off);
    if (!defined $n) {
      next if $! == 4;
      if ($! == 11) { my $w = ''; vec($w, fileno(STDOUT), 1) = 1; select(undef, $w, undef, undef); next; }
      exit 0;
    }
    $off += $n;
  }
}
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
    die "0 llistxattr $path: $!\n";
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
      die "0 lgetxattr $path: $!\n";
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
  opendir(my $dh, $abs) or die "0 opendir $abs: $!\n";
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
# A user namespace with the given id map, held by the returned handle: a child unshares it and
# waits while we write its maps (as root in the parent namespace, any map is allowed), then ends.
sub userns {
  my ($map) = @_;
  pipe(my $ready_r, my $ready_w) or die sprintf("%d pipe: %s\n", $! + 0, $!);
  pipe(my $done_r, my $done_w) or die sprintf("%d pipe: %s\n", $! + 0, $!);
  my $pid = fork();
  die sprintf("%d fork: %s\n", $! + 0, $!) unless defined $pid;
  if ($pid == 0) {
    close($ready_r); close($done_w);
    my $ok = syscall($SYS_UNSHARE, 0x10000000) == 0 ? 'y' : 'n';   # CLONE_NEWUSER
    syswrite($ready_w, $ok); close($ready_w);
    sysread($done_r, my $b, 1);                    # until the parent has what it needs, or is gone
    exit 0;
  }
  close($ready_w); close($done_r);
  my $ns;
  my $err = eval {
    my ($got, $ok);
    do { $got = sysread($ready_r, $ok, 1); } while (!defined $got && $! == 4);   # EINTR: a run ended
    die "0 unshare(CLONE_NEWUSER) failed in the helper's child\n" unless $got && $ok eq 'y';
    for my $file ('uid_map', 'gid_map') {
      open(my $fh, '>', "/proc/$pid/$file") or die sprintf("%d open %s: %s\n", $! + 0, $file, $!);
      my $w = syswrite($fh, $map);
      die sprintf("%d write %s: %s\n", $! + 0, $file, $!) unless defined $w && $w == length $map;
      close($fh);
    }
    open($ns, '<', "/proc/$pid/ns/user") or die sprintf("%d open ns/user: %s\n", $! + 0, $!);
    '';
  };
  $err = $@ unless defined $err;
  close($done_w); close($ready_r);
  waitpid($pid, 0);                                 # nothing of it outlives the request
  die $err if $err ne '';
  return $ns;
}
# open_tree(OPEN_TREE_CLONE) + mount_setattr(MOUNT_ATTR_IDMAP | flags) + move_mount per pair
sub idmap {
  my ($map, $attrs, @pairs) = @_;
  my $ns = userns($map);
  my $empty = '';
  while (@pairs) {
    my ($src, $dst) = (shift @pairs, shift @pairs);
    my $fd = syscall($SYS_OPEN_TREE, -100, $src, 1 | 0x80000);      # AT_FDCWD, OPEN_TREE_CLONE | CLOEXEC
    die sprintf("%d open_tree %s: %s\n", $! + 0, $src, $!) if $fd < 0;
    my $attr = pack('QQQQ', 0x100000 | $attrs, 0, 0, fileno($ns));  # struct mount_attr
    my $r = syscall($SYS_MOUNT_SETATTR, $fd, $empty, 0x1000, $attr, 32);   # AT_EMPTY_PATH
    $r = syscall($SYS_MOVE_MOUNT, $fd, $empty, -100, $dst, 4) if $r >= 0; # MOVE_MOUNT_F_EMPTY_PATH
    my ($e, $msg) = ($! + 0, "$!");
    syscall($SYS_CLOSE, $fd);
    die sprintf("%d idmapped mount of %s at %s: %s\n", $e, $src, $dst, $msg) if $r < 0;
  }
  close($ns);
  return ();
}
# processes started by "run": pid -> [run id, {fileno -> [handle, stream]}]
my %kids;
sub start {
  my ($run, $cwd, @argv) = @_;
  pipe(my $out_r, my $out_w) or die "0 pipe: $!\n";
  pipe(my $err_r, my $err_w) or die "0 pipe: $!\n";
  my $pid = fork();
  die "0 fork: $!\n" unless defined $pid;
  if ($pid == 0) {
    close($out_r); close($err_r); close(STDIN);
    open(STDIN, '<', '/dev/null');
    open(STDOUT, '>&', $out_w); open(STDERR, '>&', $err_w);
    close($out_w); close($err_w);
    chdir($cwd) if $cwd ne '';
    $SIG{PIPE} = 'DEFAULT'; $SIG{CHLD} = 'DEFAULT';
    exec { $argv[0] } @argv;
    syswrite(STDERR, "cannot run $argv[0]: $!\n");
    exit 127;
  }
  close($out_w); close($err_w);
  $kids{$pid} = [$run, { fileno($out_r) => [$out_r, 'stdout'], fileno($err_r) => [$err_r, 'stderr'] }];
  return $pid;
}
sub request {
  my ($op, @a) = @_;
  if ($op eq 'mount') {
    my ($cwd, $src, $target, $type, $flags, $data) = (dehex($a[0]), dehex($a[1]), dehex($a[2]), dehex($a[3]), $a[4] + 0, dehex($a[5]));
    if ($cwd ne '') { chdir($cwd) or die sprintf("%d chdir %s: %s\n", $! + 0, $cwd, $!); }
    my $r = syscall($SYS_MOUNT, ptr($src), $target, ptr($type), $flags, ptr($data));
    my $e = $! + 0; my $msg = "$!";
    chdir('/');
    die "$e $msg\n" if $r < 0;
    return ();
  } elsif ($op eq 'umount') {
    my ($target, $flags) = (dehex($a[0]), $a[1] + 0);
    syscall($SYS_UMOUNT2, $target, $flags) >= 0 or die sprintf("%d %s\n", $! + 0, $!);
    return ();
  } elsif ($op eq 'idmap') {
    return idmap(dehex($a[0]), $a[1] + 0, map { dehex($_) } @a[2 .. $#a]);
  } elsif ($op eq 'xattrs') {
    my @out;
    walk(dehex($a[0]), '', \@out);
    return @out;
  } elsif ($op eq 'run') {
    return (start($a[0], dehex($a[1]), map { dehex($_) } @a[2 .. $#a]));
  } elsif ($op eq 'kill') {
    kill($a[1] + 0, $a[0] + 0) or die sprintf("%d kill: %s\n", $! + 0, $!);
    return ();
  }
  die "0 unknown request $op\n";
}
my $in = '';
my $in_open = 1;
for (;;) {
  # reap what has ended and closed its output
  for my $pid (keys %kids) {
    next if %{$kids{$pid}[1]};
    my $w = waitpid($pid, 1);                     # WNOHANG
    next if $w == 0;
    my $status = $?;
    say_line("- exit $kids{$pid}[0] " . ($status >> 8) . ' ' . ($status & 127) . "\n");
    delete $kids{$pid};
  }
  last if !$in_open && !%kids;
  my $rin = '';
  vec($rin, fileno(STDIN), 1) = 1 if $in_open;
  my $waiting = 0;
  for my $k (values %kids) {
    if (%{$k->[1]}) { vec($rin, $_, 1) = 1 for keys %{$k->[1]}; } else { $waiting = 1; }
  }
  my $n = select(my $rout = $rin, undef, undef, $waiting ? 0.002 : undef);
  next if $n <= 0;
  for my $k (values %kids) {
    for my $fd (keys %{$k->[1]}) {
      next unless vec($rout, $fd, 1);
      my ($fh, $stream) = @{$k->[1]{$fd}};
      my $got = sysread($fh, my $buf, 65536);
      if ($got) { say_line("- out $k->[0] $stream " . unpack('H*', $buf) . "\n"); }
      elsif (defined $got || $! != 4) { close($fh); delete $k->[1]{$fd}; }   # EOF (EINTR: again)
    }
  }
  if ($in_open && vec($rout, fileno(STDIN), 1)) {
    my $got = sysread(STDIN, $in, 65536, length $in);
    $in_open = 0 if defined $got && $got == 0;
    while ((my $nl = index($in, "\n")) >= 0) {
      my $line = substr($in, 0, $nl);
      $in = substr($in, $nl + 1);
      my ($id, @words) = split / /, $line;
      my @res = eval { request(@words) };
      if ($@) {
        my $err = $@; chomp $err;
        my ($errno, $msg) = $err =~ /^(\d+) (.*)$/s ? ($1, $2) : (0, $err);
        say_line("$id err $errno " . enhex($msg) . "\n");
      } else {
        say_line(join(' ', $id, 'ok', @res) . "\n");
      }
    }
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
/** mount_setattr(2) flags (`struct mount_attr.attr_set`). */
export const MOUNT_ATTR = { RDONLY: 0x1, NOSUID: 0x2, NODEV: 0x4, NOEXEC: 0x8 } as const;

interface Pending {
  call: string;
  resolve(fields: string[]): void;
  reject(err: Error): void;
}

const hex = (s: string): string => (s === '' ? '-' : Buffer.from(s, 'utf8').toString('hex'));
const unhex = (h: string): Buffer => (h === '-' ? Buffer.alloc(0) : Buffer.from(h, 'hex'));

/**
 * A process the helper started (see `SysHelper.spawn`): the parts of a `ChildProcess` the
 * engine uses. `close` comes once it has exited and its stdout and stderr are closed, with the
 * exit code or the name of the signal that ended it.
 */
export class HelperProcess extends EventEmitter {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly stdin = null;
  pid: number | undefined;

  constructor(private readonly helper: SysHelper) {
    super();
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.pid === undefined) return false;
    this.helper.signal(this.pid, osConstants.signals[signal]).catch(() => undefined);
    return true;
  }

  /** @internal */
  output(stream: 'stdout' | 'stderr', data: Buffer): void {
    this[stream].write(data);
  }

  /** @internal */
  exited(code: number | null, signal: NodeJS.Signals | null): void {
    let open = 2;
    const done = () => {
      if (--open === 0) this.emit('close', code, signal);
    };
    for (const s of [this.stdout, this.stderr]) {
      s.once('end', done);
      s.end();
      s.resume(); // nobody reading: still let it end
    }
  }
}

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
    await this.request('idmap', ['idmap', hex(map), String(attrs), ...mounts.flatMap((m) => [hex(m.source), hex(m.target)])]);
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

  /**
   * Starts `argv` (PATH searched by the helper's exec; the engine's system environment) with
   * stdin from /dev/null and stdout/stderr piped back. The helper is a small process, so its
   * fork costs little, where forking the engine (hundreds of MB mapped) costs 10-20 ms.
   * When it cannot be started, the process emits `error` and then `close`; a missing program
   * exits 127.
   */
  spawn(argv: string[], cwd = ''): HelperProcess {
    const proc = new HelperProcess(this);
    const runId = this.nextId++;
    this.runs.set(runId, proc);
    this.request('run', ['run', String(runId), hex(cwd), ...argv.map(hex)]).then(
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
    await this.request('kill', ['kill', String(pid), String(signal)]);
  }

  /** Ends the helper (tests; the engine simply exits). */
  stop(): void {
    this.child.stdin!.end();
  }

  private request(call: string, words: string[]): Promise<string[]> {
    if (this.dead) return Promise.reject(new SysCallError(call, 0, 'the system-call helper is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { call, resolve, reject });
      this.busy();
      this.child.stdin!.write(`${id} ${words.join(' ')}\n`);
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

  private onLine(line: string): void {
    const words = line.split(' ');
    if (words[0] === '-') {
      const proc = this.runs.get(Number(words[2]));
      if (!proc) return;
      if (words[1] === 'out') proc.output(words[3] as 'stdout' | 'stderr', Buffer.from(words[4] ?? '', 'hex'));
      else if (words[1] === 'exit') {
        this.runs.delete(Number(words[2]));
        const signal = Number(words[4]);
        proc.exited(signal === 0 ? Number(words[3]) : null, signal === 0 ? null : signalName(signal));
      }
      return;
    }
    const p = this.pending.get(Number(words[0]));
    if (!p) return;
    this.pending.delete(Number(words[0]));
    if (words[1] === 'ok') p.resolve(words.slice(2));
    else p.reject(new SysCallError(p.call, Number(words[2] ?? 0), unhex(words[3] ?? '-').toString('utf8')));
  }

  private die(err: Error): void {
    if (this.dead) return;
    this.dead = true;
    for (const p of this.pending.values()) p.reject(new SysCallError(p.call, 0, err.message));
    this.pending.clear();
    for (const proc of this.runs.values()) {
      if (proc.listenerCount('error') > 0) proc.emit('error', err);
      proc.exited(null, 'SIGKILL');
    }
    this.runs.clear();
    if (helper === this) helper = undefined;
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

function signalName(n: number): NodeJS.Signals {
  for (const [name, num] of Object.entries(osConstants.signals)) if (num === n) return name as NodeJS.Signals;
  return 'SIGKILL';
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
