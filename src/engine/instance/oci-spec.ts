/**
 * The OCI runtime spec (runc's config.json) of one build step. A pure function of its input.
 */
import type { IdRange } from './id-slots.js';
import { seccompFor, type OciSeccomp } from './seccomp.js';

/**
 * Docker's default capability set: what builds (apt, chown, setuid helpers) expect. They hold
 * only in the step's own user namespace: CAP_NET_RAW and CAP_NET_BIND_SERVICE do nothing in the
 * instance's network namespace, which belongs to the host (see netns.ts for what it allows).
 */
export const DEFAULT_CAPABILITIES = [
  'CAP_AUDIT_WRITE',
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_MKNOD',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_RAW',
  'CAP_SETFCAP',
  'CAP_SETGID',
  'CAP_SETPCAP',
  'CAP_SETUID',
  'CAP_SYS_CHROOT',
];

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface StepSpecInput {
  /** Absolute path of the mounted root filesystem. */
  rootfs: string;
  hostname: string;
  argv: string[];
  env: string[];
  cwd: string;
  uid: number;
  gid: number;
  additionalGids: number[];
  /** Home from /etc/passwd, used for HOME when `env` has none. */
  home: string;
  /** The instance's persistent network namespace to join. */
  netnsPath: string;
  /** runc `cgroupsPath` (relative: nested under the engine's own cgroups). */
  cgroupsPath: string;
  /** Files on the instance disk bind-mounted over the image's (/etc/hosts, /etc/hostname, /etc/resolv.conf). */
  etcFiles: { destination: string; source: string }[];
  /** Host folder (the instance's /tmp tmpfs, idmapped) bind-mounted at /tmp. */
  tmpDir: string;
  /** The host ids the container's ids 0…size−1 are (its user namespace's uid and gid map). */
  idRange: IdRange;
  /** The seccomp filter (default: Docker's default profile for the step's capabilities). */
  seccomp?: OciSeccomp;
  /** RLIMIT_NOFILE (soft = hard); at most the engine's own hard limit, which runc cannot raise. */
  maxOpenFiles: number;
}

type Json = Record<string, unknown>;

/**
 * Namespaces: a fresh user, pid, mount, uts and ipc namespace per step; the network namespace is
 * the instance's (joined by path, before runc creates the user namespace).
 *
 * The user namespace maps container ids 0…65535 to the instance's own range of host ids
 * (`idRange`, far above the host's users; see `IdSlots`): the build's root is an unprivileged
 * user of the host, its capabilities count only inside its namespaces, and it shares no kernel
 * keyring, no files and no processes with the host's root or another build.
 *
 * Seccomp: Docker's default profile (see `seccomp-profile.ts`), filtered for the step's
 * capabilities: no keyctl/add_key/request_key, no unshare/setns/mount, no namespaces from clone,
 * no perf_event_open, bpf or io_uring.
 *
 * `noNewPrivileges` is off, deliberately: what a build does must behave as on a VM, where a step
 * running as a user can `sudo`, `su` or `ping` (setuid and file-capability binaries), and a root
 * step can `su builder -c 'sudo …'`. With it on, the kernel ignores setuid bits and file
 * capabilities for the whole process tree, so those fail. Leaving it off gives away nothing
 * beyond the VM's semantics: the most a setuid binary can reach is the container's root, which
 * the user namespace and the seccomp filter already confine (runc, itself root on the host,
 * installs the filter, so it does not need no_new_privs either).
 *
 * Mounts: /proc, a tmpfs /dev with the standard devices (runc binds null, zero, full, random,
 * urandom and tty from the host, as a user namespace cannot mknod; ptmx from /dev/pts),
 * /dev/pts, /dev/shm (64 MiB), /dev/mqueue, /sys as a recursively read-only bind of the host's
 * (a user namespace may mount sysfs only in a network namespace it owns, and the instance's
 * belongs to the host) with the step's own cgroup, read-only, at /sys/fs/cgroup (as Docker
 * does: the host's hierarchies there would show every instance), the instance's /tmp and /etc
 * files. Non-root users get no effective capabilities.
 */
export function buildStepSpec(input: StepSpecInput): Json {
  const env = [...input.env];
  if (!env.some((e) => e.startsWith('PATH='))) env.push(`PATH=${DEFAULT_PATH}`);
  if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${input.home}`);
  if (!env.some((e) => e.startsWith('HOSTNAME='))) env.push(`HOSTNAME=${input.hostname}`);
  const root = input.uid === 0;
  const caps = {
    bounding: DEFAULT_CAPABILITIES,
    effective: root ? DEFAULT_CAPABILITIES : [],
    permitted: root ? DEFAULT_CAPABILITIES : [],
    inheritable: [],
    ambient: [],
  };
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: input.uid, gid: input.gid, additionalGids: input.additionalGids },
      args: input.argv,
      env,
      cwd: input.cwd,
      capabilities: caps,
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: input.maxOpenFiles, soft: input.maxOpenFiles }],
      noNewPrivileges: false,
    },
    root: { path: input.rootfs, readonly: false },
    hostname: input.hostname,
    mounts: stepMounts(input),
    linux: {
      cgroupsPath: input.cgroupsPath,
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'user' }, { type: 'pid' }, { type: 'mount' }, { type: 'uts' }, { type: 'ipc' }, { type: 'network', path: input.netnsPath }],
      uidMappings: [{ containerID: 0, hostID: input.idRange.hostId, size: input.idRange.size }],
      gidMappings: [{ containerID: 0, hostID: input.idRange.hostId, size: input.idRange.size }],
      seccomp: input.seccomp ?? defaultSeccomp(),
      maskedPaths: MASKED_PATHS,
      // /sys/fs/cgroup: the tmpfs runc puts the step's cgroup hierarchies in is left writable
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger', '/sys/fs/cgroup'],
    },
  };
}

/** Paths of /proc and /sys a step sees as empty (Docker's list). */
const MASKED_PATHS = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** The step's mounts: /proc, /dev, a read-only /sys, its cgroup, the instance's /tmp and /etc files. */
function stepMounts(input: StepSpecInput): Json[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    // read-only all the way down (`ro` alone applies to the top mount: the cgroup hierarchies
    // under it stayed writable mounts); runc ≥ 1.1 sets `rro` with mount_setattr (Linux ≥ 5.12)
    { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'rprivate', 'nosuid', 'noexec', 'nodev', 'rro'] },
    // the step's own cgroup, read-only, over the host's tree (which names every instance)
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    { destination: '/tmp', type: 'bind', source: input.tmpDir, options: ['rbind', 'rprivate', 'nosuid', 'nodev'] },
    ...input.etcFiles.map((f) => ({ destination: f.destination, type: 'bind', source: f.source, options: ['rbind', 'rprivate'] })),
  ];
}

let seccomp: OciSeccomp | undefined;

/** Docker's default profile for the steps' bounding set (the same for every step: computed once). */
function defaultSeccomp(): OciSeccomp {
  return (seccomp ??= seccompFor({ capabilities: DEFAULT_CAPABILITIES }));
}
