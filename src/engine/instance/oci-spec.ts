/**
 * The OCI runtime spec (runc's config.json) of one build step. A pure function of its input.
 */

/** Docker's default capability set: what builds (apt, chown, setuid helpers, ping) expect. */
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
  /** Host folder (the instance's /tmp tmpfs) bind-mounted at /tmp. */
  tmpDir: string;
  /** RLIMIT_NOFILE (soft = hard); at most the engine's own hard limit, which runc cannot raise. */
  maxOpenFiles: number;
}

type Json = Record<string, unknown>;

/**
 * Namespaces: a fresh pid, mount, uts and ipc namespace per step; the network namespace is the
 * instance's (joined by path). Mounts: /proc, a tmpfs /dev with the standard devices (runc adds
 * null, zero, full, random, urandom, tty, ptmx), /dev/pts, /dev/shm (64 MiB), /dev/mqueue, a
 * read-only /sys, the instance's /tmp and /etc files. No seccomp profile; `noNewPrivileges` is
 * off so sudo and setuid helpers work; non-root users get no effective capabilities.
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
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/tmp', type: 'bind', source: input.tmpDir, options: ['rbind', 'rprivate', 'nosuid', 'nodev'] },
      ...input.etcFiles.map((f) => ({ destination: f.destination, type: 'bind', source: f.source, options: ['rbind', 'rprivate'] })),
    ],
    linux: {
      cgroupsPath: input.cgroupsPath,
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'uts' }, { type: 'ipc' }, { type: 'network', path: input.netnsPath }],
      maskedPaths: [
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
      ],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}
