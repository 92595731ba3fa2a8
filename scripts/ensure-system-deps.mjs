// Installs the Debian packages the build engine runs on, when any of them is missing, so that
// `npm start` and `npm test` work on a fresh Debian machine. Importing this module runs the check
// (`import './ensure-system-deps.mjs'`); it is also a script: `node scripts/ensure-system-deps.mjs`.
//
// What the engine needs and where it comes from:
// - runc            (runc)            runs each build step as an OCI container;
// - /bin/busybox    (busybox-static)  the busybox base image; it must be statically linked;
// - mmdebstrap      (mmdebstrap)      the Debian minbase base image;
// - slirp4netns     (slirp4netns)     the user-mode network of instances with InternetMaxBandwidthOut > 0;
// - getfattr/setfattr (attr)          reads and writes overlay xattrs (opaque dirs, file capabilities),
//                                     which Node's fs cannot;
// - mkfs.ext4       (e2fsprogs)       the size-bounded disk of an instance;
// - ip              (iproute2)        the instance's network namespace;
// - nft             (nftables)        the egress filter of networked instances (no host, no private ranges);
// - qemu-img        (qemu-utils)      converts exported and imported disk images (raw, qcow2, vhd, vmdk, vdi);
// - sfdisk          (fdisk)           writes the partition table of an exported disk;
// - mkfs.xfs, xfs_repair (xfsprogs)   checks (and, in tests, makes) XFS root filesystems of imported disks;
// - fuse2fs         (fuse2fs)         reads ext2/3/4 root filesystems of imported disks in user space;
// - mkfs.fat, mcopy (dosfstools, mtools) make the FAT boot / EFI system partition of a bootable
//                                     disk without a loop mount;
// - syslinux        (syslinux, syslinux-common) the BIOS boot loader of bootable disks (installed
//                                     through mtools) and its MBR code;
// - systemd-bootx64.efi (systemd-boot-efi) the UEFI boot loader of bootable disks;
// - qemu-system-x86_64 (qemu-system-x86) and OVMF (ovmf) boot images: `kiln images boot`, and
//                                     TESTING of images with a kernel.
// When something is missing: `apt-get update` once, then one `apt-get install` of every package above.
// Installing needs root; a non-root user gets a clear message and a non-zero exit.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const SBIN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const env = { ...process.env, PATH: `${process.env.PATH ?? ''}:${SBIN_PATH}` };

/** True when `cmd` is on the PATH (the sbin folders included). */
function have(cmd) {
  if (cmd.startsWith('/')) return existsSync(cmd);
  return spawnSync('sh', ['-c', 'command -v "$1" >/dev/null 2>&1', 'sh', cmd], { env }).status === 0;
}

/** True when /bin/busybox exists and is a static executable (busybox-static, not Debian's dynamic busybox). */
function staticBusybox() {
  const path = existsSync('/bin/busybox') ? '/bin/busybox' : existsSync('/usr/bin/busybox') ? '/usr/bin/busybox' : null;
  if (!path) return false;
  const file = spawnSync('file', ['-L', path], { env, encoding: 'utf8' });
  if (file.status === 0 && file.stdout) return /statically linked|static-pie linked/.test(file.stdout);
  const ldd = spawnSync('ldd', [path], { env, encoding: 'utf8' });
  return /not a dynamic executable|statically linked/.test(`${ldd.stdout}${ldd.stderr}`);
}

/** Always named in the install (the engine's own tools); the others only when their command is missing. */
const CORE_PACKAGES = ['runc', 'busybox-static', 'mmdebstrap', 'slirp4netns'];

const missing = [];
const extra = new Set();
for (const [cmd, pkg] of [
  ['runc', 'runc'],
  ['mmdebstrap', 'mmdebstrap'],
  ['slirp4netns', 'slirp4netns'],
  ['getfattr', 'attr'],
  ['setfattr', 'attr'],
  ['mkfs.ext4', 'e2fsprogs'],
  ['ip', 'iproute2'],
  ['nft', 'nftables'],
  // mmdebstrap --mode=unshare maps ids through newuidmap/newgidmap (a Recommends of mmdebstrap,
  // which apt may be configured to skip).
  ['newuidmap', 'uidmap'],
  ['qemu-img', 'qemu-utils'],
  ['sfdisk', 'fdisk'],
  ['mkfs.xfs', 'xfsprogs'],
  ['xfs_repair', 'xfsprogs'],
  ['fuse2fs', 'fuse2fs'],
  ['mkfs.fat', 'dosfstools'],
  ['mcopy', 'mtools'],
  ['syslinux', 'syslinux'],
  ['/usr/lib/SYSLINUX/gptmbr.bin', 'syslinux-common'],
  ['/usr/lib/syslinux/modules/bios/ldlinux.c32', 'syslinux-common'],
  ['/usr/lib/systemd/boot/efi/systemd-bootx64.efi', 'systemd-boot-efi'],
  ['qemu-system-x86_64', 'qemu-system-x86'],
  ['/usr/share/OVMF/OVMF_CODE_4M.fd', 'ovmf'],
]) {
  if (!have(cmd)) {
    missing.push(`${cmd} (${pkg})`);
    if (!CORE_PACKAGES.includes(pkg)) extra.add(pkg);
  }
}
if (!staticBusybox()) missing.push('static /bin/busybox (busybox-static)');

if (missing.length > 0) {
  const PACKAGES = [...CORE_PACKAGES, ...extra];
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    console.error(
      `kiln: missing system packages: ${missing.join(', ')}.\n` +
        `kiln: installing them needs root. Run as root:\n` +
        `  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${PACKAGES.join(' ')}`,
    );
    process.exit(1);
  }
  console.error(`kiln: installing system packages (missing: ${missing.join(', ')})…`);
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update'], { env: aptEnv, stdio: 'inherit' });
  if (update.status !== 0) {
    console.error('kiln: apt-get update failed');
    process.exit(1);
  }
  const install = spawnSync('apt-get', ['install', '-y', ...PACKAGES], { env: aptEnv, stdio: 'inherit' });
  if (install.status !== 0) {
    console.error(`kiln: apt-get install ${PACKAGES.join(' ')} failed`);
    process.exit(1);
  }
}
