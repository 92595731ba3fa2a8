import { POLICY_RC_D } from '../../base-images/debian-tree.js';
import { cmdUnit, type CommandConfig } from './cmd-unit.js';
import { BOOT_MOUNT, rewriteFstab } from './fstab.js';
import type { GuestFile } from './guest-files.js';
import { baseUnitFiles, KERNEL_HOOK, KERNEL_HOOK_LINKS, UNIT_DIR, UNIT_NAME, WANTS_DIR, type TreeFile } from './guest-units.js';
import { kernelCmdline } from './kernel-cmdline.js';
import { refuse, treeSegments, TreeEditor } from './safe-tree.js';

/** What the tree is made bootable for. */
export interface TreePlan {
  /** The UUIDs of the disk's root (ext4) and boot (FAT: `XXXX-XXXX`) filesystems. */
  rootUuid: string;
  bootUuid: string;
  /** The image config's `config` (Entrypoint, Cmd, Env, WorkingDir, User). */
  config: CommandConfig;
  guestFiles: readonly GuestFile[];
  enableUnits: readonly string[];
  /** Seconds since the epoch: the times of what is changed. */
  time: number;
}

/** Where an enabled unit's file may be, in the order looked at. */
const UNIT_HOMES = [UNIT_DIR, '/usr/lib/systemd/system', '/lib/systemd/system'];

/**
 * Makes the staged tree (a copy: the image is never changed) bootable (Guest contract): fstab's
 * `/` and `/boot/efi` by UUID, /boot/efi made, Kiln's own policy-rc.d (exactly the one its Debian
 * bases carry) removed, the units kiln-growroot, kiln-boot-report and (when the image has a
 * command) kiln-cmd written and enabled, the kernel hook linked from the kernel's and
 * initramfs-tools' hook folders, then the caller's guest files and units. Returns the
 * kernel command line and the bytes added. The tree is hostile: see `TreeEditor`.
 */
export async function prepareTree(treeDir: string, plan: TreePlan): Promise<{ cmdline: string; addedBytes: number }> {
  const tree = new TreeEditor(treeDir);
  const cmdline = kernelCmdline(plan.rootUuid, await tree.readText('/etc/kernel/cmdline'));
  await tree.writeFile('/etc/fstab', rewriteFstab(await tree.readText('/etc/fstab'), plan), 0o644);
  await tree.makeDir(BOOT_MOUNT);
  if ((await tree.readText('/usr/sbin/policy-rc.d')) === POLICY_RC_D) await tree.remove('/usr/sbin/policy-rc.d');
  const files: TreeFile[] = await baseUnitFiles();
  const units = ['kiln-growroot.service', 'kiln-boot-report.service'];
  const cmd = cmdUnit(plan.config);
  if (cmd !== undefined) {
    files.push({ path: `${UNIT_DIR}/kiln-cmd.service`, content: cmd, mode: 0o644 });
    units.push('kiln-cmd.service');
  }
  files.push(...checkedGuestFiles(plan.guestFiles));
  let addedBytes = 0;
  for (const f of files) {
    await tree.writeFile(f.path, f.content, f.mode);
    addedBytes += 4096 + Buffer.byteLength(f.content);
  }
  for (const at of KERNEL_HOOK_LINKS) await tree.writeLink(at, KERNEL_HOOK);
  for (const unit of [...units, ...plan.enableUnits]) await enable(tree, unit, files);
  await tree.settle(plan.time);
  return { cmdline, addedBytes };
}

/** The caller's files, checked: absolute paths without `.`/`..`/empty segments, permission bits only. */
function checkedGuestFiles(files: readonly GuestFile[]): TreeFile[] {
  return files.map((f) => {
    treeSegments(f.path);
    if (!Number.isInteger(f.mode) || f.mode < 0 || f.mode > 0o7777) throw refuse(`the guest file ${f.path} has the mode ${f.mode}, not permission bits`);
    return { path: f.path, content: f.content, mode: f.mode };
  });
}

/** Enables `unit` in multi-user.target: a symlink to its file, among the files written or the tree's (regular files only). */
async function enable(tree: TreeEditor, unit: string, written: readonly TreeFile[]): Promise<void> {
  if (!UNIT_NAME.test(unit)) throw refuse(`${JSON.stringify(unit)} is not a unit name Kiln enables`);
  for (const home of UNIT_HOMES) {
    const path = `${home}/${unit}`;
    if (written.some((f) => f.path === path) || (await tree.isFile(path))) {
      await tree.writeLink(`${WANTS_DIR}/${unit}`, path);
      return;
    }
  }
  throw refuse(`the unit ${unit} to enable is neither a guest file nor in the image (${UNIT_HOMES.join(', ')})`);
}
