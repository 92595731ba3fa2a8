import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { prepareTree } from '../../src/engine/export/boot/prepare-tree.js';

/*
 * Review of issue 10: the staged tree of a bootable export holds the image's device nodes and
 * fifos (made by the layer extractor, on the host's filesystem). Reading /etc/fstab,
 * /etc/kernel/cmdline or /usr/sbin/policy-rc.d must never open one: opening a device as root on
 * the host has effects of its own (a watchdog starts counting down to a reboot, a tape rewinds,
 * a CD tray closes). Whether a file was opened is seen with inotify (IN_OPEN), from perl.
 */

/** Watches `path` for IN_OPEN (its removal adds IN_IGNORED, not an open); after "check" on stdin, prints `opened` or `none`. x86-64 and aarch64 syscall numbers. */
const WATCHER = String.raw`
use strict; use warnings;
my ($init1, $add) = (qx(uname -m) =~ /aarch64/) ? (26, 27) : (294, 254);
my $path = $ARGV[0];
my $fd = syscall($init1, 0x800);
die "inotify_init1: $!" if $fd < 0;
die "inotify_add_watch: $!" if syscall($add, $fd, $path, 0x20) < 0;
open(my $fh, '<&=', $fd) or die "fdopen: $!";
$| = 1; print "ready\n";
my $go = <STDIN>;
my $n = sysread($fh, my $buf, 65536) // 0;
my $opened = 0;
for (my $at = 0; $at + 16 <= $n; ) {
  my (undef, $mask, undef, $len) = unpack('lLLL', substr($buf, $at, 16));
  $opened ||= $mask & 0x20;
  $at += 16 + $len;
}
print $opened ? "opened\n" : "none\n";
`;

let work: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'kiln-boot-devices-'));
  writeFileSync(join(work, 'watch.pl'), WATCHER);
});
after(() => rmSync(work, { recursive: true, force: true }));

/** Starts a watcher on `path`; `opened()` says whether anything opened it since. */
async function watchOpens(path: string): Promise<{ opened(): Promise<boolean> }> {
  const child = spawn('perl', [join(work, 'watch.pl'), path], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  assert.equal((await lines.next()).value, 'ready');
  return {
    async opened() {
      child.stdin!.end('check\n');
      const answer = (await lines.next()).value;
      await new Promise((resolve) => child.once('exit', resolve).exitCode !== null && resolve(undefined));
      assert.ok(answer === 'opened' || answer === 'none', `the watcher said ${answer}`);
      return answer === 'opened';
    },
  };
}

test('device nodes and fifos at /etc/fstab, /etc/kernel/cmdline and /usr/sbin/policy-rc.d are never opened; fstab becomes a file of its own', async () => {
  const tree = join(work, 'tree');
  for (const d of ['etc/kernel', 'usr/sbin']) mkdirSync(join(tree, d), { recursive: true });
  const fstab = join(tree, 'etc/fstab');
  const cmdline = join(tree, 'etc/kernel/cmdline');
  const policy = join(tree, 'usr/sbin/policy-rc.d');
  // the host's /dev/null and /dev/zero (harmless if opened), and a fifo
  execFileSync('mknod', [fstab, 'c', '1', '3']);
  execFileSync('mknod', [policy, 'c', '1', '5']);
  execFileSync('mkfifo', [cmdline]);
  const watchers = await Promise.all([fstab, cmdline, policy].map(watchOpens));

  const { cmdline: line } = await prepareTree(tree, { rootUuid: '11111111-2222-4333-8444-555555555555', bootUuid: 'ABCD-1234', config: {}, guestFiles: [], enableUnits: [], time: 1_700_000_000 });

  assert.deepEqual(await Promise.all(watchers.map((w) => w.opened())), [false, false, false], 'none of the device nodes or the fifo was opened');
  assert.equal(line, 'root=UUID=11111111-2222-4333-8444-555555555555 ro console=tty0 console=ttyS0,115200n8', 'a fifo is no command line: the default');
  assert.ok(lstatSync(fstab).isFile(), 'the export\'s fstab replaced the device node');
  assert.match(readFileSync(fstab, 'utf8'), /^UUID=11111111-2222-4333-8444-555555555555 \/ ext4 /m);
  assert.ok(lstatSync(policy).isCharacterDevice(), 'a policy-rc.d that is not Kiln\'s file is left as it is');
});
