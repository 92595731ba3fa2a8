/**
 * GUESTOS.Virtio on an image with a kernel: ECS disks and NICs are virtio devices, so the
 * initramfs of the kernel the export boots (`kernel_version`) must carry virtio_blk, virtio_net
 * and virtio_pci, unless the kernel has them built in (modules.builtin, or `=y` in
 * /boot/config-<v>). The initramfs is read with the image's own tools (lsinitramfs of
 * initramfs-tools, lsinitrd of dracut). A missing driver is added to the generator's config and
 * the initramfs is rebuilt now, on the instance (the kernel is not booted for it); the item says
 * REPAIRED only when the rebuilt initramfs is read back with every driver in it. initramfs-tools'
 * `MODULES=dep` (the drivers of the machine it runs on: an imported disk made on other hardware,
 * and nothing useful on a build instance) is overridden by `MODULES=most` in conf.d.
 */
export const VM_VIRTIO = String.raw`
ver=$(kernel_version)
if [ -z "$ver" ]; then not_repaired "no /boot/vmlinuz-<version> with a matching /boot/initrd.img-<version>, so there is no initramfs to check (see GUESTOS.Grub)"; return 0; fi
img="/boot/initrd.img-$ver"
list=$(mktemp)
# Prints the drivers that are neither built in nor in the initramfs (empty: all there).
virtio_missing() {
  : > "$list"
  if command -v lsinitramfs >/dev/null 2>&1; then lsinitramfs "$img" > "$list" 2>/dev/null || : > "$list"
  elif command -v lsinitrd >/dev/null 2>&1; then lsinitrd "$img" > "$list" 2>/dev/null || : > "$list"; fi
  out=""
  for m in virtio_blk virtio_net virtio_pci; do
    cfg=$(echo "$m" | tr '[:lower:]' '[:upper:]')
    if grep -q "/$m\.ko" "/lib/modules/$ver/modules.builtin" 2>/dev/null || grep -q "^CONFIG_$cfg=y" "/boot/config-$ver" 2>/dev/null; then continue; fi
    if grep -Eq "/$m\.ko(\.(xz|zst|gz))?([[:space:]]|$)" "$list"; then continue; fi
    out="$out $m"
  done
  echo "$out"
}
missing=$(virtio_missing)
if [ -z "$missing" ]; then ok "$img has virtio_blk, virtio_net and virtio_pci (or the kernel has them built in)"; return 0; fi
if ! command -v lsinitramfs >/dev/null 2>&1 && ! command -v lsinitrd >/dev/null 2>&1; then
  not_repaired "cannot read $img to find$missing in it: neither lsinitramfs (initramfs-tools-core) nor lsinitrd (dracut) is installed"; return 0
fi
if command -v update-initramfs >/dev/null 2>&1 && [ -d /etc/initramfs-tools ]; then
  for m in $missing; do
    grep -Eq "^[[:space:]]*$m([[:space:]]|\$)" /etc/initramfs-tools/modules 2>/dev/null || echo "$m" >> /etc/initramfs-tools/modules
  done
  how="added$missing to /etc/initramfs-tools/modules"
  mode=$(cat /etc/initramfs-tools/initramfs.conf /etc/initramfs-tools/conf.d/* 2>/dev/null | sed -n 's/^[[:space:]]*MODULES=//p' | tr -d '"' | tail -n 1)
  if [ "$mode" = dep ]; then
    printf '# Kiln RepairMode: MODULES=dep makes an initramfs for the machine update-initramfs runs on, not for the instances of an image.\nMODULES=most\n' > /etc/initramfs-tools/conf.d/zz-kiln-modules.conf
    how="$how, set MODULES=most in /etc/initramfs-tools/conf.d/zz-kiln-modules.conf (MODULES=dep picks the drivers of the machine it runs on, not an instance's)"
  fi
  how="$how and ran update-initramfs -u -k $ver"
  rc=0; update-initramfs -u -t -k "$ver" >&2 || rc=$?
elif command -v dracut >/dev/null 2>&1; then
  mkdir -p /etc/dracut.conf.d
  echo 'add_drivers+=" virtio_blk virtio_net virtio_pci "' > /etc/dracut.conf.d/kiln-virtio.conf
  how="wrote /etc/dracut.conf.d/kiln-virtio.conf and ran dracut -f --no-hostonly --kver $ver $img"
  rc=0; dracut -f --no-hostonly --kver "$ver" "$img" >&2 || rc=$?
else
  not_repaired "$img lacks$missing and neither initramfs-tools (update-initramfs) nor dracut is installed to rebuild it"; return 0
fi
if [ "$rc" -ne 0 ]; then not_repaired "$img lacks$missing; $how, which failed with exit code $rc (see the log)"; return 0; fi
still=$(virtio_missing)
if [ -n "$still" ]; then not_repaired "$how, but the rebuilt $img still lacks$still"; return 0; fi
repaired "$img lacked$missing: $how; the rebuilt initramfs has them"
`;
