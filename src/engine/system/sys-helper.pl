# Kiln's system-call helper: makes the few system calls Node's fs lacks (mount, umount2,
# llistxattr/lgetxattr, the idmapped mounts of build instances) and starts processes for the
# engine, so that no `mount`, `umount` or `getfattr` process is started per build step.
# Started by sys-helper-client.ts as `perl sys-helper.pl`; only modules of perl-base (Essential
# on Debian) are used. It runs as the engine (root) in the engine's mount namespace, answers one
# request at a time in order, and ends when its stdin closes (the engine exiting).
#
# Protocol: lines on stdin and stdout. Every path and value is hex ('-' for the empty string), so
# any bytes pass; numbers are decimal.
#   request:  <id> <op> <arg>...                    id: a positive decimal number
#   reply:    <id> ok <field>...
#             <id> err <ERRNO name, or - when no system call failed> <message, hex>
#   events:   - out <run> stdout|stderr <bytes, hex>    output of a process started by `run`
#             - exit <run> <exit code> <signal number>  it exited and its output is closed
# Requests (h: hex, n: number):
#   mount  h:cwd h:source h:target h:fstype n:flags h:data   mount(2); '' is NULL; relative paths
#                                                            resolve against cwd (when not '')
#   umount h:target n:flags                                   umount2(2)
#   idmap  h:map n:attrs (h:source h:target)...               idmapped bind mounts (see idmap)
#   xattrs h:root                   -> <path, hex>=<name, hex>:<value, hex>,... per file with any
#   run    n:run h:cwd h:argv0 h:arg...    -> <pid>; then `- out`/`- exit` events for <run>
#   kill   n:pid n:signal                kill(2) of a process started by `run`, not yet reaped
# A request that does not fit this shape is answered `err -` (id 0 when it has no valid id) and
# the helper goes on.
use strict;
use warnings;
use Errno ();
use IO::Handle ();
use POSIX qw(SIGCHLD SA_RESTART WNOHANG);

# Syscall numbers (Perl's syscall.ph comes with the full perl package, not perl-base): the
# x86_64 table and the generic one arm64 uses. open_tree, move_mount and mount_setattr have the
# same numbers in every table (Linux 5.2/5.12).
my %SYSCALLS = (
  x86_64  => { mount => 165, umount2 => 166, llistxattr => 195, lgetxattr => 192, unshare => 272, close => 3 },
  aarch64 => { mount => 40, umount2 => 39, llistxattr => 12, lgetxattr => 9, unshare => 97, close => 57 },
);
my $machine = (POSIX::uname())[4];
my $SYS = $SYSCALLS{$machine} or die "sys-helper.pl: no system call numbers for $machine\n";
@$SYS{qw(open_tree move_mount mount_setattr)} = (428, 429, 442);

use constant {
  CLONE_NEWUSER           => 0x10000000,
  AT_FDCWD                => -100,
  AT_EMPTY_PATH           => 0x1000,
  OPEN_TREE_CLONE         => 1,
  OPEN_TREE_CLOEXEC       => 0x80000,      # O_CLOEXEC (x86_64, arm64)
  MOVE_MOUNT_F_EMPTY_PATH => 0x4,
  MOUNT_ATTR_IDMAP        => 0x100000,
  MOUNT_ATTR_SIZE_VER0    => 32,           # sizeof(struct mount_attr)
  XATTR_MAX               => 65536,        # the kernel's XATTR_LIST_MAX and XATTR_SIZE_MAX
};

# Writes to Node block (Node hands a child blocking stdio; said here so no EAGAIN can come), and
# SIGCHLD restarts interrupted reads and writes: only select() returns early when a child ends,
# which is what the handler is for (exits are reaped at once).
STDOUT->blocking(1);
$SIG{PIPE} = 'IGNORE';
my $on_child = POSIX::SigAction->new(sub { }, POSIX::SigSet->new, SA_RESTART);
$on_child->safe(1);
POSIX::sigaction(SIGCHLD, $on_child) or die "sys-helper.pl: sigaction: $!\n";

sub dehex { my $h = shift; return pack('H*', $h eq '-' ? '' : $h); }
sub enhex { my $s = shift; return $s eq '' ? '-' : unpack('H*', $s); }
sub ptr { my $s = shift; return $s eq '' ? 0 : $s; }

# The name of the error in $! ('-' for none); of two names for one number the first in order.
sub errname { my @names = sort grep { $!{$_} } keys %!; return $names[0] // '-'; }
# A failure to report: `fail` for one of a system call (its errno's name goes with it).
sub fail { die { errno => errname(), message => "$_[0]: $!" }; }
sub refuse { die { errno => '-', message => $_[0] }; }

# A write to Node; when it fails, Node is gone.
sub say_line {
  my $line = shift;
  my $off = 0;
  while ($off < length $line) {
    my $n = syswrite(STDOUT, $line, length($line) - $off, $off);
    exit 0 unless defined $n;
    $off += $n;
  }
}

# name -> value of a file's extended attributes as `name:value,...` (hex). A file gone before
# it is read (ENOENT) or on a filesystem without extended attributes (EOPNOTSUPP) has none.
sub xattrs {
  my $path = shift;
  my $buf = "\0" x XATTR_MAX;
  my $n = syscall($SYS->{llistxattr}, $path, $buf, XATTR_MAX);
  if ($n < 0) {
    return '' if $!{ENOENT} || $!{EOPNOTSUPP};
    fail("llistxattr $path");
  }
  my @out;
  for my $name (grep { $_ ne '' } split /\0/, substr($buf, 0, $n)) {
    my $val = "\0" x XATTR_MAX;
    my $m = syscall($SYS->{lgetxattr}, $path, $name, $val, XATTR_MAX);
    fail("lgetxattr $path $name") if $m < 0;
    push @out, enhex($name) . ':' . enhex(substr($val, 0, $m));
  }
  return join(',', @out);
}

sub walk {
  my ($abs, $rel, $out) = @_;
  my $x = xattrs($abs);
  push @$out, enhex($rel) . '=' . $x if $x ne '';
  return unless -d $abs && ! -l $abs;
  opendir(my $dh, $abs) or fail("opendir $abs");
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
  pipe(my $ready_r, my $ready_w) or fail('pipe');
  pipe(my $done_r, my $done_w) or fail('pipe');
  my $pid = fork() // fail('fork');
  if ($pid == 0) {
    close($ready_r); close($done_w);
    my $ok = syscall($SYS->{unshare}, CLONE_NEWUSER) == 0 ? 'y' : 'n';
    syswrite($ready_w, $ok); close($ready_w);
    sysread($done_r, my $b, 1);                    # until the parent has what it needs, or is gone
    POSIX::_exit(0);
  }
  close($ready_w); close($done_r);
  my $ns;
  my $ok = eval {
    my $got = sysread($ready_r, my $ready, 1);
    refuse('unshare(CLONE_NEWUSER) failed in the helper\'s child') unless $got && $ready eq 'y';
    for my $file ('uid_map', 'gid_map') {
      open(my $fh, '>', "/proc/$pid/$file") or fail("open $file");
      my $w = syswrite($fh, $map);
      fail("write $file") unless defined $w && $w == length $map;
      close($fh);
    }
    open($ns, '<', "/proc/$pid/ns/user") or fail('open ns/user');
    1;
  };
  my $err = $@;
  close($done_w); close($ready_r);
  waitpid($pid, 0);                                 # nothing of it outlives the request
  die $err unless $ok;
  return $ns;
}

# open_tree(OPEN_TREE_CLONE) + mount_setattr(MOUNT_ATTR_IDMAP | attrs) + move_mount per pair
sub idmap {
  my ($map, $attrs, @pairs) = @_;
  my $ns = userns($map);
  my $empty = '';
  while (@pairs) {
    my ($src, $dst) = (shift @pairs, shift @pairs);
    my $fd = syscall($SYS->{open_tree}, AT_FDCWD, $src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    fail("open_tree $src") if $fd < 0;
    my $attr = pack('QQQQ', MOUNT_ATTR_IDMAP | $attrs, 0, 0, fileno($ns));   # struct mount_attr
    my $r = syscall($SYS->{mount_setattr}, $fd, $empty, AT_EMPTY_PATH, $attr, MOUNT_ATTR_SIZE_VER0);
    $r = syscall($SYS->{move_mount}, $fd, $empty, AT_FDCWD, $dst, MOVE_MOUNT_F_EMPTY_PATH) if $r >= 0;
    my $failed = $r < 0 ? { errno => errname(), message => "idmapped mount of $src at $dst: $!" } : undef;
    syscall($SYS->{close}, $fd);
    die $failed if $failed;
  }
  close($ns);
  return ();
}

# processes started by "run": pid -> [run id, {fileno -> [handle, stream]}]
my %kids;
sub start {
  my ($run, $cwd, @argv) = @_;
  pipe(my $out_r, my $out_w) or fail('pipe');
  pipe(my $err_r, my $err_w) or fail('pipe');
  my $pid = fork() // fail('fork');
  if ($pid == 0) {
    close($out_r); close($err_r); close(STDIN);
    open(STDIN, '<', '/dev/null');
    open(STDOUT, '>&', $out_w); open(STDERR, '>&', $err_w);
    close($out_w); close($err_w);
    chdir($cwd) if $cwd ne '';
    $SIG{PIPE} = 'DEFAULT'; $SIG{CHLD} = 'DEFAULT';
    { no warnings 'exec'; exec { $argv[0] } @argv; }
    syswrite(STDERR, "cannot run $argv[0]: $!\n");
    POSIX::_exit(127);
  }
  close($out_w); close($err_w);
  $kids{$pid} = [$run, { fileno($out_r) => [$out_r, 'stdout'], fileno($err_r) => [$err_r, 'stderr'] }];
  return $pid;
}

# Each request's arguments: h (hex), n (number); a second pattern may repeat after the first.
my %SHAPES = (
  mount  => ['hhhhnh'],
  umount => ['hn'],
  idmap  => ['hnhh', 'hh'],
  xattrs => ['h'],
  run    => ['nhh', 'h'],
  kill   => ['nn'],
);

# The request's arguments decoded, or a refusal when they do not fit its shape.
sub decode {
  my ($op, @args) = @_;
  my $shape = $SHAPES{$op} or refuse("unknown request $op");
  my ($fixed, $more) = @$shape;
  my $n = @args - length $fixed;
  refuse("malformed request $op: " . @args . ' arguments')
    if $n < 0 || ($n > 0 && !$more) || ($more && $n % length $more);
  my $kinds = $fixed . ($more ? $more x ($n / length $more) : '');
  my @out;
  for my $i (0 .. $#args) {
    my ($kind, $arg) = (substr($kinds, $i, 1), $args[$i]);
    if ($kind eq 'n') {
      refuse("malformed request $op: argument " . ($i + 1) . ' is not a number') unless $arg =~ /^[0-9]{1,18}$/;
      push @out, $arg + 0;
    } else {
      refuse("malformed request $op: argument " . ($i + 1) . ' is not hex') unless $arg =~ /^(?:-|(?:[0-9a-f]{2})+)$/;
      push @out, dehex($arg);
    }
  }
  return @out;
}

sub request {
  my ($op, @words) = @_;
  my @a = decode($op, @words);
  if ($op eq 'mount') {
    my ($cwd, $src, $target, $type, $flags, $data) = @a;
    if ($cwd ne '') { chdir($cwd) or fail("chdir $cwd"); }
    my $r = syscall($SYS->{mount}, ptr($src), $target, ptr($type), $flags, ptr($data));
    my $failed = $r < 0 ? { errno => errname(), message => "$!" } : undef;
    chdir('/');
    die $failed if $failed;
    return ();
  } elsif ($op eq 'umount') {
    my ($target, $flags) = @a;
    syscall($SYS->{umount2}, $target, $flags) >= 0 or die { errno => errname(), message => "$!" };
    return ();
  } elsif ($op eq 'idmap') {
    return idmap(@a);
  } elsif ($op eq 'xattrs') {
    my @out;
    walk($a[0], '', \@out);
    return @out;
  } elsif ($op eq 'run') {
    return start(@a);
  } else {                                          # kill
    my ($pid, $signal) = @a;
    refuse("kill: $pid is not a process the helper runs") unless $kids{$pid};   # never the engine's group (0)
    kill($signal, $pid) or fail('kill');
    return ();
  }
}

# One request line: its reply.
sub answer {
  my $line = shift;
  my ($id, @words) = split / /, $line, -1;
  my @res = eval {
    refuse('malformed request: no id') unless defined $id && $id =~ /^[1-9][0-9]{0,15}$/;
    refuse('malformed request: no operation') unless @words && $words[0] ne '';
    request(@words);
  };
  return join(' ', $id, 'ok', @res) . "\n" unless $@;
  my $err = ref $@ eq 'HASH' ? $@ : { errno => '-', message => "$@" };
  chomp $err->{message};
  $id = 0 unless defined $id && $id =~ /^[1-9][0-9]{0,15}$/;
  return "$id err $err->{errno} " . enhex($err->{message}) . "\n";
}

my $in = '';
my $in_open = 1;
for (;;) {
  # reap what has ended and closed its output
  for my $pid (keys %kids) {
    next if %{$kids{$pid}[1]};
    my $w = waitpid($pid, WNOHANG);
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
  next if $n <= 0;                                  # a child ended (EINTR), or the wait is over
  for my $k (values %kids) {
    for my $fd (keys %{$k->[1]}) {
      next unless vec($rout, $fd, 1);
      my ($fh, $stream) = @{$k->[1]{$fd}};
      my $got = sysread($fh, my $buf, 65536);
      if ($got) { say_line("- out $k->[0] $stream " . unpack('H*', $buf) . "\n"); }
      else { close($fh); delete $k->[1]{$fd}; }  # end of output
    }
  }
  if ($in_open && vec($rout, fileno(STDIN), 1)) {
    my $got = sysread(STDIN, $in, 65536, length $in);
    $in_open = 0 unless $got;                        # end of input (or Node gone)
    while ((my $nl = index($in, "\n")) >= 0) {
      my $line = substr($in, 0, $nl);
      $in = substr($in, $nl + 1);
      say_line(answer($line));
    }
  }
}
