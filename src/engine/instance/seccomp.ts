import { release } from 'node:os';
import { MOBY_DEFAULT_SECCOMP_PROFILE, type SeccompArg, type SeccompFilter, type SeccompProfile } from './seccomp-profile.js';

/** The OCI runtime spec's `linux.seccomp`, as runc reads it. */
export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet: number;
  architectures: string[];
  syscalls: { names: string[]; action: string; args?: SeccompArg[]; errnoRet?: number }[];
}

/** Node's `process.arch` → the architecture names of Moby's profile (libseccomp's). */
const NATIVE_ARCH: Partial<Record<string, string>> = { x64: 'amd64', arm64: 'arm64', ia32: 'x86', arm: 'arm', s390x: 's390x', ppc64: 'ppc64le', riscv64: 'riscv64', loong64: 'loong64' };
/** libseccomp name → the profile's `archMap` key. */
const SECCOMP_ARCH: Partial<Record<string, string>> = { amd64: 'SCMP_ARCH_X86_64', arm64: 'SCMP_ARCH_AARCH64', x86: 'SCMP_ARCH_X86', arm: 'SCMP_ARCH_ARM', s390x: 'SCMP_ARCH_S390X', ppc64le: 'SCMP_ARCH_PPC64LE', riscv64: 'SCMP_ARCH_RISCV64', loong64: 'SCMP_ARCH_LOONGARCH64' };

export interface SeccompTarget {
  /** The container's bounding capabilities: rules that need a capability it lacks are dropped. */
  capabilities: readonly string[];
  /** `process.arch` (default: this machine's). */
  arch?: string;
  /** `major.minor[...]` (default: this machine's kernel). */
  kernel?: string;
}

/**
 * Architectures left out of the filter although the profile lists them: their system calls then
 * fail as a foreign architecture's do (runc's libseccomp kills the caller), which is stricter.
 * x32 (the ILP32 ABI of x86_64) is disabled in most distribution kernels and unused by images,
 * and each architecture in the filter costs runc a compilation of every rule per container:
 * x86_64 + x86 + x32 took ~20 ms more per step than x86_64 + x86 (bench/profile-step.ts).
 */
const LEFT_OUT_ARCHES = new Set(['SCMP_ARCH_X32']);

/**
 * The container's seccomp filter from a Moby-format profile (default: Docker's own), filtered
 * exactly as Moby's `setupSeccomp` does: a rule is dropped when an `excludes` condition holds
 * (its arch is this one, the container has one of its caps, the kernel is at least its
 * minKernel) or an `includes` condition fails (another arch, a cap the container lacks, an older
 * kernel). The architectures are this machine's and its compat ones (x86_64 → x86, so 32-bit
 * programs run as on a VM; arm64 → arm), without x32 (see `LEFT_OUT_ARCHES`).
 */
export function seccompFor(target: SeccompTarget, profile: SeccompProfile = MOBY_DEFAULT_SECCOMP_PROFILE): OciSeccomp {
  const arch = NATIVE_ARCH[target.arch ?? process.arch] ?? '';
  const kernel = target.kernel ?? release();
  const caps = new Set(target.capabilities);
  const archEntry = profile.archMap.find((a) => a.architecture === SECCOMP_ARCH[arch]);
  const holds = (f: SeccompFilter | undefined, any: boolean): boolean => {
    if (!f) return !any;
    const checks: boolean[] = [];
    if (f.arches?.length) checks.push(f.arches.includes(arch));
    if (f.caps?.length) checks.push(any ? f.caps.some((c) => caps.has(c)) : f.caps.every((c) => caps.has(c)));
    if (f.minKernel !== undefined) checks.push(kernelAtLeast(kernel, f.minKernel));
    return any ? checks.some(Boolean) : checks.every(Boolean);
  };
  const syscalls = profile.syscalls
    .filter((rule) => !holds(rule.excludes, true) && holds(rule.includes, false))
    .map((rule) => ({
      names: rule.names,
      action: rule.action,
      ...(rule.args ? { args: rule.args } : {}),
      ...(rule.errnoRet !== undefined ? { errnoRet: rule.errnoRet } : {}),
    }));
  return {
    defaultAction: profile.defaultAction,
    defaultErrnoRet: profile.defaultErrnoRet,
    architectures: archEntry ? [archEntry.architecture, ...(archEntry.subArchitectures ?? [])].filter((a) => !LEFT_OUT_ARCHES.has(a)) : [],
    syscalls,
  };
}

/** Whether kernel release `have` (e.g. `6.18.4-foo`) is at least `want` (`major.minor`). */
export function kernelAtLeast(have: string, want: string): boolean {
  const parse = (s: string) => (/^(\d+)\.(\d+)/.exec(s) ?? ['', '0', '0']).slice(1).map(Number) as [number, number];
  const [hm, hn] = parse(have);
  const [wm, wn] = parse(want);
  return hm > wm || (hm === wm && hn >= wn);
}
