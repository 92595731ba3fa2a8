import { VM_BOOT_LOADER } from './vm/boot-loader.js';
import { VM_DHCP } from './vm/dhcp.js';
import { VM_FSTAB } from './vm/fstab.js';
import { VM_CLOUD_INIT, VM_ONLINE_RESIZE } from './vm/packages.js';
import { VM_VIRTIO } from './vm/virtio.js';

/**
 * The Linux check items of RepairMode=Standard (`GUESTOS.*`), each a POSIX shell function run
 * as root on the intermediate instance (busybox ash, dash and bash alike). A function prints
 * exactly one result through the helpers of `script.ts`:
 *
 *   ok "<what>"  repaired "<what>"  not_repaired "<why>"  not_applicable "<why>"
 *
 * `has_kernel` is true when the image carries its own kernel (/boot/vmlinuz* or /lib/modules/*):
 * container base images don't (their instance runs on the host's kernel), so the boot-time
 * items (Virtio, Grub) are NOT APPLICABLE there. On an image with a kernel (a VM image) each
 * item checks and repairs what makes Kiln's bootable export of it boot on ECS (src/engine/
 * repair/vm/: the initramfs, the kernel command line, fstab, DHCP, growpart, cloud-init).
 * Repairs are conservative: a file is written only where nothing conflicting exists; anything
 * else is reported and left to the user.
 */

export interface RepairItem {
  /** `GUESTOS.CloudInit`, … */
  name: string;
  /** The function's body. */
  body: string;
}

const CLOUD_INIT = `
if command -v cloud-init >/dev/null 2>&1 || [ -x /usr/bin/cloud-init ]; then
  ok "cloud-init is installed"
else
  not_repaired "cloud-init is not installed; install the cloud-init package in the build content, which needs a package manager and InternetMaxBandwidthOut > 0"
fi
`;

const DHCP = `
# Already configured: ifupdown, systemd-networkd, netplan or RHEL network-scripts.
if cat /etc/network/interfaces /etc/network/interfaces.d/* 2>/dev/null | grep -Eq '^[[:space:]]*iface[[:space:]]+eth0[[:space:]]+inet[[:space:]]+dhcp'; then
  ok "/etc/network/interfaces: eth0 uses DHCP"; return 0
fi
for f in /etc/systemd/network/*.network /usr/lib/systemd/network/*.network /lib/systemd/network/*.network; do
  [ -f "$f" ] || continue
  if grep -Eqi '^[[:space:]]*DHCP[[:space:]]*=[[:space:]]*(yes|true|ipv4|both)' "$f" && grep -Eq '^[[:space:]]*Name[[:space:]]*=.*(eth|en|\\*)' "$f"; then
    ok "systemd-networkd: $f enables DHCP"; return 0
  fi
done
for f in /etc/netplan/*.yaml /etc/netplan/*.yml; do
  [ -f "$f" ] || continue
  if grep -Eqi 'dhcp4:[[:space:]]*(true|yes)' "$f"; then ok "netplan: $f enables dhcp4"; return 0; fi
done
if [ -f /etc/sysconfig/network-scripts/ifcfg-eth0 ] && grep -Eqi '^BOOTPROTO=.?dhcp' /etc/sysconfig/network-scripts/ifcfg-eth0; then
  ok "/etc/sysconfig/network-scripts/ifcfg-eth0 uses DHCP"; return 0
fi
# Not configured: a deliberate static eth0 is left alone.
if cat /etc/network/interfaces /etc/network/interfaces.d/* 2>/dev/null | grep -Eq '^[[:space:]]*iface[[:space:]]+eth0[[:space:]]+inet[[:space:]]+static'; then
  not_repaired "/etc/network/interfaces configures eth0 statically; ECS instances get their address by DHCP"; return 0
fi
if [ -x /lib/systemd/systemd-networkd ] || [ -x /usr/lib/systemd/systemd-networkd ]; then
  mkdir -p /etc/systemd/network
  printf '[Match]\\nName=eth0\\n\\n[Network]\\nDHCP=yes\\n' > /etc/systemd/network/80-kiln-eth0.network
  repaired "wrote /etc/systemd/network/80-kiln-eth0.network (eth0, DHCP=yes)"; return 0
fi
if [ -d /etc/sysconfig/network-scripts ] && [ ! -e /etc/sysconfig/network-scripts/ifcfg-eth0 ]; then
  printf 'DEVICE=eth0\\nBOOTPROTO=dhcp\\nONBOOT=yes\\n' > /etc/sysconfig/network-scripts/ifcfg-eth0
  repaired "wrote /etc/sysconfig/network-scripts/ifcfg-eth0 (BOOTPROTO=dhcp)"; return 0
fi
mkdir -p /etc/network
if [ -f /etc/network/interfaces ]; then
  printf '\\nauto eth0\\niface eth0 inet dhcp\\n' >> /etc/network/interfaces
  repaired "added an eth0 DHCP stanza to /etc/network/interfaces"
else
  printf 'auto lo\\niface lo inet loopback\\n\\nauto eth0\\niface eth0 inet dhcp\\n' > /etc/network/interfaces
  repaired "wrote /etc/network/interfaces (lo, eth0 inet dhcp)"
fi
`;

const VIRTIO = 'not_applicable "the image has no kernel of its own: no /boot/vmlinuz*, no /lib/modules"';

const ONLINE_RESIZE = `
missing=""
command -v growpart >/dev/null 2>&1 || missing="$missing growpart"
command -v resize2fs >/dev/null 2>&1 || command -v xfs_growfs >/dev/null 2>&1 || missing="$missing resize2fs/xfs_growfs"
if [ -z "$missing" ]; then ok "growpart and a file system resize tool are installed"
else not_repaired "missing:$missing; install cloud-utils-growpart or cloud-guest-utils, and e2fsprogs or xfsprogs"; fi
`;

const GRUB = 'not_applicable "the image has no kernel of its own, so it boots no boot loader"';

const FSTAB = `
if [ ! -f /etc/fstab ] || ! grep -Eq '^[[:space:]]*[^#[:space:]]' /etc/fstab; then ok "/etc/fstab has no entries"; return 0; fi
bad=$(awk '$1 !~ /^#/ && $1 ~ /^\\/dev\\/(sd|vd|xvd|hd|nvme)/ { printf " %s (%s)", $1, $2 }' /etc/fstab)
if [ -z "$bad" ]; then ok "/etc/fstab entries refer to file systems by UUID, LABEL or a stable name"
else not_repaired "entries refer to disks by device name, which changes between instances:$bad; use UUID= or LABEL= (and nofail for data disks)"; fi
`;

/** An item's body: `vm` on an image with its own kernel (see vm/), `container` otherwise. */
const either = (vm: string, container: string): string => `if has_kernel; then\n${vm.trim()}\nreturn 0\nfi\n${container.trim()}\n`;

export const LINUX_ITEMS: readonly RepairItem[] = [
  { name: 'GUESTOS.CloudInit', body: either(VM_CLOUD_INIT, CLOUD_INIT) },
  { name: 'GUESTOS.Dhcp', body: either(VM_DHCP, DHCP) },
  { name: 'GUESTOS.Virtio', body: either(VM_VIRTIO, VIRTIO) },
  { name: 'GUESTOS.OnlineResizeFS', body: either(VM_ONLINE_RESIZE, ONLINE_RESIZE) },
  { name: 'GUESTOS.Grub', body: either(VM_BOOT_LOADER, GRUB) },
  { name: 'GUESTOS.Fstab', body: either(VM_FSTAB, FSTAB) },
];

/** RepairItem names that only apply to Windows images (reported NOT APPLICABLE on Linux). */
export const windowsOnly = (name: string): RepairItem => ({
  name,
  body: 'not_applicable "a Windows check item; this image is Linux"\n',
});
