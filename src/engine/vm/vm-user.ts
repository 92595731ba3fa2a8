import { randomInt } from 'node:crypto';
import { statSync } from 'node:fs';
import { chown } from 'node:fs/promises';

/**
 * The unprivileged user a VM's QEMU runs as. QEMU emulates hardware for a guest that is the
 * tenant's code, so a device-emulation escape must land in a process that owns nothing: each
 * VM gets a uid (and the same gid) of its own, drawn at random from [2^31 - 2^24, 2^31): above
 * every Debian user, below the runc instances' ids (from KILN_INSTANCE_ID_BASE, 2^31 by
 * default), with no supplementary group
 * but /dev/kvm's own when KVM is shared with a group.
 * Two VMs sharing one is a 1 in 2^24 chance; only signals and ptrace between them would follow.
 * QEMU reaches only what is handed to it: the input disk as an open descriptor (`-add-fd`), and
 * the VM's own temp dir, chowned to this user.
 */
export interface VmUser {
  uid: number;
  gid: number;
  /** The group of /dev/kvm when it grants read and write to its group (udev's `kvm`), so KVM works unprivileged; else none. */
  groups: number[];
}

const FIRST = 0x7f000000;
const COUNT = 0x00ffffff;

export function newVmUser(): VmUser {
  const id = FIRST + randomInt(COUNT);
  return { uid: id, gid: id, groups: kvmGroup() };
}

function kvmGroup(): number[] {
  try {
    const st = statSync('/dev/kvm');
    return st.isCharacterDevice() && st.gid !== 0 && (st.mode & 0o060) === 0o060 ? [st.gid] : [];
  } catch {
    return [];
  }
}

/** Gives `paths` to the VM's user (the temp dir and the files QEMU opens or makes there). */
export async function giveToVmUser(user: VmUser, paths: readonly string[]): Promise<void> {
  for (const p of paths) await chown(p, user.uid, user.gid);
}

/**
 * The command that runs `qemu-system-x86_64 args` as `user`: setpriv changes the ids (clearing
 * the supplementary groups), then a second setpriv, already unprivileged, sets the parent-death
 * signal (a credential change clears it, so it must come after) so QEMU dies with Kiln.
 */
export function qemuCommand(user: VmUser, args: readonly string[]): [string, string[]] {
  return ['setpriv', [
    `--reuid=${user.uid}`, `--regid=${user.gid}`, user.groups.length > 0 ? `--groups=${user.groups.join(',')}` : '--clear-groups', '--inh-caps=-all', '--',
    'setpriv', '--pdeathsig', 'KILL', '--', 'qemu-system-x86_64', ...args,
  ]];
}
