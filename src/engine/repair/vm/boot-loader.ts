/**
 * GUESTOS.Grub on an image with a kernel. Kiln's bootable exports write their own boot loader
 * (syslinux and systemd-boot, Guest contract) from /boot/vmlinuz-<v>, /boot/initrd.img-<v> and
 * /etc/kernel/cmdline, so those are what is checked:
 *
 * - a kernel with its initramfs: a newer /boot/vmlinuz-<v> without one gets it made by
 *   update-initramfs -c (else the export would silently boot an older kernel, or none);
 * - /etc/kernel/cmdline (when present) has `console=ttyS0` (the ECS serial console) and no
 *   `root=/dev/…` (device names change between instance types): fixed in place.
 *
 * An image that carries its own GRUB configuration (an imported disk) still gets the GRUB
 * checks of before; those are reported, not repaired (update-grub needs the disk it installs to).
 */
export const VM_BOOT_LOADER = String.raw`
set -f
did=""
newest=$(ls /boot 2>/dev/null | sed -n 's/^vmlinuz-//p' | sort -V -r 2>/dev/null | head -n 1)
if [ -n "$newest" ] && [ ! -f "/boot/initrd.img-$newest" ] && command -v update-initramfs >/dev/null 2>&1; then
  if update-initramfs -c -k "$newest" >&2 && [ -f "/boot/initrd.img-$newest" ]; then did="$did made /boot/initrd.img-$newest for the newest kernel (update-initramfs -c);"; fi
fi
ver=$(kernel_version)
if [ -z "$ver" ]; then not_repaired "no /boot/vmlinuz-<version> with a matching /boot/initrd.img-<version>: the export makes no boot loader and the disk does not boot; install a kernel package (linux-image-cloud-amd64) with initramfs-tools"; return 0; fi
note=""
[ "$ver" = "$newest" ] || note=" (/boot/vmlinuz-$newest has no initramfs and is not booted)"
if [ -f /etc/kernel/cmdline ]; then
  new=""; fixed=""
  for t in $(cat /etc/kernel/cmdline); do
    case "$t" in root=/dev/*) fixed="$fixed removed $t (disk names change between instance types);" ;; *) new="$new $t" ;; esac
  done
  case " $new " in *" console=ttyS0"*) ;; *) new="$new console=ttyS0,115200n8"; fixed="$fixed added console=ttyS0,115200n8 (the ECS serial console);" ;; esac
  if [ -n "$fixed" ]; then printf '%s\n' "$(echo "$new" | sed 's/^ *//')" > /etc/kernel/cmdline; did="$did /etc/kernel/cmdline:$fixed"; fi
fi
problems=""
cfg=""
for f in /boot/grub/grub.cfg /boot/grub2/grub.cfg; do [ -f "$f" ] && cfg="$cfg $f"; done
if [ -n "$cfg" ]; then
  cat $cfg | grep -q 'console=ttyS0' || problems="$problems no console=ttyS0 on its kernel command line;"
  cat $cfg | grep -Eq 'root=/dev/(sd|vd|xvd|hd)[a-z]' && problems="$problems it names the root disk by device (root=/dev/...);"
  root_uuid=$(awk '$2 == "/" && $1 ~ /^UUID=/ { sub(/^UUID=/, "", $1); print $1 }' /etc/fstab 2>/dev/null | head -n 1)
  if [ -n "$root_uuid" ]; then
    for u in $(cat $cfg | grep -o 'root=UUID=[0-9A-Fa-f-]*' | sed 's/root=UUID=//' | sort -u); do
      [ "$u" = "$root_uuid" ] || problems="$problems root=UUID=$u does not match the / entry of /etc/fstab (UUID=$root_uuid);"
    done
  fi
fi
grub=""
[ -z "$problems" ] || grub="the image's own GRUB configuration ($(echo $cfg)):$(echo "$problems" | sed 's/;$//'); Kiln's exports boot with their own loader, a disk booted by this GRUB needs update-grub"
if [ -n "$did" ]; then repaired "$(echo "$did" | sed 's/^ //; s/;$//')$note$([ -z "$grub" ] || echo "; $grub")"; return 0; fi
if [ -n "$grub" ]; then not_repaired "$grub"; return 0; fi
ok "/boot/vmlinuz-$ver with /boot/initrd.img-$ver$note; kernel command line $(if [ -f /etc/kernel/cmdline ]; then echo "from /etc/kernel/cmdline: $(cat /etc/kernel/cmdline)"; else echo 'the export default (console=tty0 console=ttyS0,115200n8)'; fi)"
`;
