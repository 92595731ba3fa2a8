#!/usr/bin/perl
# Kiln's test agent: runs TESTING's commands inside a VM booted from the image (docs/vm-images.md,
# "TESTING in a VM"). It is added to the throwaway test disk only, never to the image, and speaks
# the frames of src/engine/vm-test/agent-frames.ts over the virtio-serial port io.kiln.agent:
#   header = type (1 byte) . request id (u32 BE) . payload length (u32 BE), then the payload.
#   host -> guest: R run (user\0cwd\0stdin\0argc\0argv...\0env...), I stdin bytes (empty: end), K kill
#   guest -> host: H hello, O stdout bytes, E stderr bytes, X "exit N" | "signal N", U "user|group NAME",
#                  B heartbeat (empty, every 5 s while a command runs: the host counts silence as a lost agent)
# Only perl-base modules (Essential in Debian): POSIX, Fcntl, Errno.
use strict;
use warnings;
use POSIX qw(setsid _exit WNOHANG);
use Fcntl qw(O_RDWR F_GETFL F_SETFL O_NONBLOCK);
use Errno qw(EINTR EAGAIN ENODEV EPIPE);

my $MAX_REQUEST = 4 << 20;
my $CHUNK = 16384;
my $DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
my $stdio = @ARGV && $ARGV[0] eq '--stdio';
my ($in, $out);
if ($stdio) {
  ($in, $out) = (\*STDIN, \*STDOUT);
} else {
  my $dev = $ARGV[0] // '/dev/virtio-ports/io.kiln.agent';
  sysopen(my $port, $dev, O_RDWR) or die "kiln-test-agent: cannot open $dev: $!\n";
  ($in, $out) = ($port, $port);
}
binmode $in;
binmode $out;
$SIG{PIPE} = 'IGNORE';

# Writes one frame whole. Before the host is connected the port answers ENODEV/EPIPE: retried.
sub send_frame {
  my ($type, $id, $data) = @_;
  $data //= '';
  my $buf = pack('a1 N N', $type, $id, length $data) . $data;
  while (length $buf) {
    my $n = syswrite($out, $buf);
    if (!defined $n) {
      if ($! == EINTR || $! == EAGAIN) { select(undef, undef, undef, 0.05); next; }
      if (!$stdio && ($! == ENODEV || $! == EPIPE)) { select(undef, undef, undef, 0.5); next; }
      exit 1;
    }
    substr($buf, 0, $n) = '';
  }
}

# user[:group] as Docker resolves it (like src/engine/instance/user.ts): [uid, gid, "gid gid...", home] or an error frame's text.
sub resolve_user {
  my ($spec) = @_;
  $spec =~ s/^\s+|\s+$//g;
  $spec = 'root' if $spec eq '';
  my ($u, $g) = split /:/, $spec, 2;
  my @pw = $u =~ /^\d+$/ ? getpwuid($u) : getpwnam($u);
  return (undef, "user $u") if !@pw && $u !~ /^\d+$/;
  my $uid = @pw ? $pw[2] : $u;
  my $gid = @pw ? $pw[3] : 0;
  my @extra;
  if (defined $g && $g ne '') {
    if ($g =~ /^\d+$/) { $gid = $g; }
    else { my @gr = getgrnam($g); return (undef, "group $g") unless @gr; $gid = $gr[2]; }
  } elsif (@pw) {
    setgrent();
    while (my @gr = getgrent()) { push @extra, $gr[2] if $gr[2] != $gid && grep { $_ eq $pw[0] } split / /, $gr[3]; }
    endgrent();
  }
  return ([$uid, $gid, join(' ', $gid, $gid, @extra), @pw ? ($pw[7] || '/') : '/']);
}

sub nonblocking { my ($fh) = @_; fcntl($fh, F_SETFL, fcntl($fh, F_GETFL, 0) | O_NONBLOCK); }

# The child: its own session (so K kills the whole group), the identity, the cwd (made when missing, as runc does), the env.
sub exec_child {
  my ($who, $cwd, $stdin_r, $o, $e, $argv, $env) = @_;
  setsid();
  open(STDIN, '<&', $stdin_r // do { open(my $null, '<', '/dev/null'); $null }) or _exit(126);
  open(STDOUT, '>&', $o) or _exit(126);
  open(STDERR, '>&', $e) or _exit(126);
  $SIG{PIPE} = 'DEFAULT';
  system('mkdir', '-p', '--', $cwd) if !-d $cwd && $cwd =~ m{^/};
  my ($uid, $gid, $groups, $home) = @$who;
  $) = $groups;
  POSIX::setgid($gid);
  POSIX::setuid($uid);
  if ($< != $uid || $> != $uid || (split ' ', $()[0] != $gid) { print STDERR "kiln-test-agent: cannot become uid $uid gid $gid: $!\n"; _exit(126); }
  chdir($cwd) or do { print STDERR "kiln-test-agent: cannot change to the directory $cwd: $!\n"; _exit(126); };
  my @env = @$env;
  push @env, "PATH=$DEFAULT_PATH" unless grep { /^PATH=/ } @env;
  push @env, "HOME=$home" unless grep { /^HOME=/ } @env;
  %ENV = ();
  for (@env) { my ($k, $v) = split /=/, $_, 2; $ENV{$k} = $v // ''; }
  exec { $argv->[0] } @$argv or print STDERR "kiln-test-agent: cannot run $argv->[0]: $!\n";
  _exit(127);
}

my $job;
sub start_job {
  my ($id, $payload) = @_;
  my @f = split /\0/, $payload, -1;
  my ($user, $cwd, $with_stdin, $argc) = splice(@f, 0, 4);
  my @argv = splice(@f, 0, $argc // 0);
  my ($who, $unknown) = resolve_user($user // '');
  return send_frame('U', $id, $unknown) unless $who;
  pipe(my $or, my $ow) or die;
  pipe(my $er, my $ew) or die;
  my ($ir, $iw);
  if ($with_stdin) { pipe($ir, $iw) or die; }
  my $pid = fork();
  die "fork: $!" unless defined $pid;
  exec_child($who, $cwd, $ir, $ow, $ew, \@argv, \@f) if $pid == 0;
  close $_ for grep { defined } $ow, $ew, $ir;
  nonblocking($_) for grep { defined } $or, $er, $iw;
  $job = { id => $id, pid => $pid, out => $or, err => $er, stdin => $iw, pending => '', in_done => !$with_stdin };
}

sub finish_job {
  my $status = $job->{status};
  my $x = ($status & 127) ? 'signal ' . ($status & 127) : 'exit ' . ($status >> 8);
  close $_ for grep { defined } $job->{out}, $job->{err}, $job->{stdin};
  send_frame('X', $job->{id}, $x);
  $job = undef;
}

sub pump {
  my ($key, $type) = @_;
  my $n = sysread($job->{$key}, my $buf, $CHUNK);
  return if !defined $n && ($! == EINTR || $! == EAGAIN);
  if (!$n) { close $job->{$key}; $job->{$key} = undef; return; }
  send_frame($type, $job->{id}, $buf);
}

sub host_frame {
  my ($type, $id, $payload) = @_;
  if ($type eq 'R') { start_job($id, $payload) unless $job; return; }
  return unless $job && $job->{id} == $id;
  if ($type eq 'K') { kill 'KILL', -$job->{pid}; kill 'KILL', $job->{pid}; return; }
  if ($type eq 'I' && !$job->{in_done}) {
    if (length $payload) { $job->{pending} .= $payload; } else { $job->{in_done} = 1; }
  }
}

send_frame('H', 0, 'kiln-test-agent 1');
my $rbuf = '';
my $beat = time;
while (1) {
  if ($job && time - $beat >= 5) { send_frame('B', $job->{id}); $beat = time; }
  if ($job && !defined $job->{status} && waitpid($job->{pid}, WNOHANG) == $job->{pid}) { $job->{status} = $?; $job->{exited} = time; }
  if ($job && defined $job->{status} && ((!$job->{out} && !$job->{err}) || time - $job->{exited} >= 2)) { finish_job(); }
  if ($job && $job->{stdin} && $job->{in_done} && !length $job->{pending}) { close $job->{stdin}; $job->{stdin} = undef; }
  my ($rin, $win) = ('', '');
  vec($rin, fileno($in), 1) = 1 unless $job && length($job->{pending}) > $MAX_REQUEST;
  if ($job) {
    vec($rin, fileno($job->{$_}), 1) = 1 for grep { $job->{$_} } qw(out err);
    vec($win, fileno($job->{stdin}), 1) = 1 if $job->{stdin} && length $job->{pending};
  }
  my $n = select(my $r = $rin, my $w = $win, undef, $job ? 0.2 : undef);
  next if $n <= 0;
  if ($job && $job->{stdin} && vec($w, fileno($job->{stdin}), 1)) {
    my $m = syswrite($job->{stdin}, $job->{pending});
    if (defined $m) { substr($job->{pending}, 0, $m) = ''; }
    elsif ($! != EAGAIN && $! != EINTR) { close $job->{stdin}; $job->{stdin} = undef; $job->{pending} = ''; $job->{in_done} = 1; }
  }
  if ($job) { pump('out', 'O') if $job->{out} && vec($r, fileno($job->{out}), 1); }
  if ($job) { pump('err', 'E') if $job->{err} && vec($r, fileno($job->{err}), 1); }
  next unless vec($r, fileno($in), 1);
  my $got = sysread($in, $rbuf, 65536, length $rbuf);
  if (!defined $got) { next if $! == EINTR || $! == EAGAIN; die "kiln-test-agent: read: $!\n"; }
  if ($got == 0) {
    exit 0 if $stdio;
    select(undef, undef, undef, 0.5); # the host is not connected (yet): the port reads as empty
    next;
  }
  while (length($rbuf) >= 9) {
    my ($type, $id, $len) = unpack('a1 N N', $rbuf);
    die "kiln-test-agent: a request of $len bytes\n" if $len > $MAX_REQUEST;
    last if length($rbuf) < 9 + $len;
    my $payload = substr($rbuf, 9, $len);
    substr($rbuf, 0, 9 + $len) = '';
    host_frame($type, $id, $payload);
  }
}
