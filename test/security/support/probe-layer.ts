import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LayerStore } from '../../../src/engine/layers/layer-store.js';

/** System call numbers the probe uses, per `process.arch`. */
const NUMBERS: Record<string, Record<string, number>> = {
  x64: { add_key: 248, keyctl: 250, unshare: 272, perf_event_open: 298, mq_open: 240, socket: 41 },
  arm64: { add_key: 217, keyctl: 219, unshare: 97, perf_event_open: 241, mq_open: 180, socket: 198 },
};

/**
 * `/usr/local/bin/kiln-probe <call> [arg]`, a Perl script run by the host's own perl (copied with
 * the libraries `ldd` names): makes one raw system call and prints `ok <result>` or
 * `errno <n>`. Calls: `add_key <description>` (a "user" key in the user keyring), `keyctl`
 * (KEYCTL_GET_KEYRING_ID of the user keyring), `unshare-user` (unshare(CLONE_NEWUSER)),
 * `perf_event_open` (a software clock counter on itself, user space only, as perf_event_paranoid
 * 2 allows anyone), `mq_open` (a POSIX message queue), `icmp-socket` (an ICMP echo socket,
 * SOCK_DGRAM, as `ping` opens without CAP_NET_RAW).
 */
const PROBE = (nr: Record<string, number>) => `
my ($what, $arg) = @ARGV;
my $r;
if ($what eq 'add_key') { my ($type, $desc, $payload) = ('user', $arg, 'secret'); $r = syscall(${nr.add_key}, $type, $desc, $payload, length($payload), -4); }
elsif ($what eq 'keyctl') { $r = syscall(${nr.keyctl}, 0, -4, 0); }
elsif ($what eq 'unshare-user') { $r = syscall(${nr.unshare}, 0x10000000); }
elsif ($what eq 'perf_event_open') { my $attr = pack('LLQQQQQ', 1, 128, 0, 0, 0, 0, 0x61) . ("\\0" x 80); $r = syscall(${nr.perf_event_open}, $attr, 0, -1, -1, 0); }
elsif ($what eq 'icmp-socket') { $r = syscall(${nr.socket}, 2, 2, 1); }
elsif ($what eq 'mq_open') { my $name = 'kiln-probe'; $r = syscall(${nr.mq_open}, $name, 0102, 0600, 0); }
else { die "unknown call $what\\n"; }
print $r < 0 ? 'errno ' . ($! + 0) : "ok $r", "\\n";
`;

/**
 * A layer (in `layers`, ready as an overlay lower dir) holding the host's perl, its libraries and
 * the probe script: stacked on the busybox base, it makes raw system calls from inside a build.
 */
export async function probeLayer(layers: LayerStore): Promise<string> {
  const nr = NUMBERS[process.arch];
  if (!nr) throw new Error(`no system call numbers for ${process.arch}`);
  const { dir } = await layers.staging('probe-');
  const perl = execFileSync('sh', ['-c', 'command -v perl'], { encoding: 'utf8' }).trim();
  const files = [perl];
  for (const line of execFileSync('ldd', [perl], { encoding: 'utf8' }).split('\n')) {
    const path = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line)?.[1];
    if (path) files.push(path);
  }
  for (const file of files) {
    await mkdir(join(dir, dirname(file)), { recursive: true, mode: 0o755 });
    await copyFile(file, join(dir, file));
    await chmod(join(dir, file), 0o755);
  }
  await mkdir(join(dir, 'usr/local/bin'), { recursive: true, mode: 0o755 });
  await writeFile(join(dir, 'usr/local/bin/kiln-probe'), PROBE(nr), { mode: 0o755 });
  if (!files.some((f) => f === '/usr/bin/perl')) {
    await mkdir(join(dir, 'usr/bin'), { recursive: true, mode: 0o755 });
    await copyFile(perl, join(dir, 'usr/bin/perl'));
  }
  const blob = await layers.capture(dir);
  return layers.adopt(dir, blob.diffId);
}
