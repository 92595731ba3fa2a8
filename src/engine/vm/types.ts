/**
 * The boot runner's contract (issue 10): a VM booted in QEMU from a disk image, its serial
 * console watched for the guest's `KILN-BOOT-REPORT v1` line (written by the
 * `kiln-boot-report.service` a bootable export adds) and for the ways a boot fails.
 */

/** How the firmware boots the disk: SeaBIOS (BIOS) or OVMF (UEFI). */
export type VmBootMode = 'BIOS' | 'UEFI';

/** QEMU's accelerator: `auto` takes KVM only when /dev/kvm opens and a probe VM runs on it, else TCG. */
export type VmAccel = 'auto' | 'kvm' | 'tcg';

/** Disk formats QEMU reads the input as (never probed: the caller says which). */
export type VmDiskFormat = 'raw' | 'qcow2' | 'vhd' | 'vmdk' | 'vdi';

export interface VmOptions {
  /** The disk image; only read (the VM writes to a throwaway qcow2 overlay in a temp dir). */
  disk: string;
  format: VmDiskFormat;
  bootMode: VmBootMode;
  /** Default `auto`. */
  accel?: VmAccel;
  /** Default 1024. */
  memoryMiB?: number;
  /** Default 2. */
  cpus?: number;
  /** How long `checkBoot` waits for the report (from QEMU's start); `startVm` ignores it. */
  timeoutMs: number;
  /** Grows the overlay (never the input) to this virtual size; must be ≥ the disk's. */
  diskSizeBytes?: number;
  /** Every piece of console output as QEMU writes it (raw text: may hold escape sequences). */
  onConsole?(text: string): void;
  /** Aborting stops the VM (killed) and removes everything it made. */
  signal?: AbortSignal;
  /** virtio-serial ports (`virtserialport` named `name`) on Unix sockets QEMU listens on. */
  serialPorts?: { name: string; socketPath: string }[];
  /**
   * The serial console and QEMU's monitor on the caller's terminal (`-serial mon:stdio`:
   * Ctrl-A X quits, Ctrl-A C the monitor; Ctrl-C is a SIGINT for the caller). No console watching: `onConsole` is not called and
   * `waitForReport` resolves only with `qemu-exited` or `timeout`.
   */
  interactive?: boolean;
}

/** The guest's report line, parsed. */
export interface BootReport {
  /** The systemd target the guest reached (`multi-user.target`). */
  target: string;
  /** The first NIC's global IPv4 address with its prefix (`10.0.2.15/24`), or undefined for `none`. */
  ipv4?: { address: string; prefixLength: number };
  rootBytes: number;
  diskBytes: number;
  growroot: 'grown' | 'unchanged' | 'unsupported' | 'failed';
  cmd: 'active' | 'failed' | 'none';
  /** The line as the guest wrote it. */
  line: string;
}

/** How a boot ended (as far as the console and QEMU tell). */
export type BootKind = 'reported' | 'panic' | 'initramfs-shell' | 'emergency-mode' | 'timeout' | 'qemu-exited';

export interface BootOutcome {
  /** True when the guest reported and the report passed every check (`problems` empty). */
  ok: boolean;
  kind: BootKind;
  /** The parsed report (kind `reported` with a well-formed line). */
  report?: BootReport;
  /** What is wrong with the boot, one sentence each (empty when ok). */
  problems: string[];
  /** Seconds from QEMU's start to the outcome. */
  seconds: number;
  /** The accelerator the VM ran on. */
  accel: 'kvm' | 'tcg';
  /** The last console lines (bounded), oldest first, escape sequences removed. */
  lastLines: string[];
}

/**
 * What `waitForReport` ends with: the outcome without the verdict, which `checkBoot` adds
 * (`problems` holds only what is wrong with a malformed report line).
 */
export type ConsoleOutcome = Omit<BootOutcome, 'ok'>;

/** How QEMU ended. */
export interface VmExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A VM that is running (or has just ended): call `kill()` or `powerOff()` to remove it and its files. */
export interface RunningVm {
  readonly accel: 'kvm' | 'tcg';
  /** QEMU's process id (its own process group). */
  readonly pid: number;
  /**
   * Resolves at the first of: the report line, a kernel panic, an initramfs shell, emergency
   * mode, QEMU exiting, `timeoutMs` after QEMU started (kind `timeout`). The VM keeps running.
   */
  waitForReport(timeoutMs: number): Promise<ConsoleOutcome>;
  /** ACPI power button (QMP `system_powerdown`); kills QEMU after `graceMs`; then removes everything. */
  powerOff(graceMs: number): Promise<VmExit>;
  /** Kills QEMU's process group at once, then removes everything. */
  kill(): Promise<VmExit>;
  /** Resolves when QEMU has exited and every temp file is removed. */
  readonly exited: Promise<VmExit>;
  /** The last console lines (bounded), oldest first. */
  lastLines(): string[];
}

/** What `checkBoot` expects of the report beyond a reached target. */
export interface BootExpectations {
  /** The disk was grown (`diskSizeBytes`): with growroot supported, the root must fill it. */
  grown?: boolean;
}
