#!/bin/sh
# The peer of `npm run bench -- vm` (bench/vm.ts): the same bootable Debian 12 VM image as Kiln's
# (base debian_12_x64_20G_kiln_vm.vhd + the bench's RUN steps, exported raw), made from Debian
# packages with Debian's tools only, as a script would without Kiln:
#
#   vm-peer.sh OUT.raw WORKDIR DISK_BYTES STEPS.sh < deb822-sources
#
# 1. mmdebstrap --variant=minbase --mode=unshare of bookworm with the VM base's packages
#    (DEBIAN_VM_PACKAGES), the VM base's finishing files (kernel cmdline, fstab, eth0 by DHCP,
#    initramfs-tools MODULES=most, hosts, empty machine-id), then STEPS.sh run in the chroot
#    (each step `sh -c <command>`, as Kiln's RUN);
# 2. the layout of Kiln's UEFI-Preferred export: GPT, p1 a 256 MiB FAT ESP (systemd-boot as
#    EFI/BOOT/BOOTX64.EFI, syslinux for BIOS with gptmbr.bin, kernel and initrd copied), p2 the
#    ext4 root made by `mkfs.ext4 -d` (no mount), root=UUID on the command line and in fstab;
# 3. the raw disk, sparse, DISK_BYTES large (no qemu-img: the output is raw).
# WORKDIR is scratch space the caller removes.
set -eu
out=$1 work=$2 size=$3 steps=$4
root=$work/root
root_uuid=0b3f5e1c-7d2a-4c4e-9a51-6f0c2d8e9b17 esp_id=4B494C4E
cmdline='console=tty0 console=ttyS0,115200n8 net.ifnames=0'
mmdebstrap --variant=minbase --mode=unshare --format=directory --dpkgopt=force-unsafe-io \
  --include=linux-image-cloud-amd64,systemd,systemd-sysv,udev,dbus,initramfs-tools,kmod,ifupdown,isc-dhcp-client,iproute2,procps,cloud-guest-utils,e2fsprogs,fdisk \
  --customize-hook='mkdir -p "$1/etc/kernel" "$1/etc/network/interfaces.d" "$1/etc/initramfs-tools/conf.d"' \
  --customize-hook="echo '$cmdline' >\"\$1/etc/kernel/cmdline\"" \
  --customize-hook="printf 'UUID=$root_uuid / ext4 errors=remount-ro 0 1\n' >\"\$1/etc/fstab\"" \
  --customize-hook='printf "auto eth0\niface eth0 inet dhcp\n" >"$1/etc/network/interfaces.d/eth0"' \
  --customize-hook='printf "MODULES=most\nCOMPRESS=gzip\n" >"$1/etc/initramfs-tools/conf.d/vm.conf"' \
  --customize-hook='printf "127.0.0.1\tlocalhost\n127.0.1.1\tdebian\n" >"$1/etc/hosts"; : >"$1/etc/machine-id"; echo debian >"$1/etc/hostname"' \
  --customize-hook="upload $steps /tmp/steps.sh" \
  --customize-hook='chroot "$1" sh -e /tmp/steps.sh; rm -f "$1/tmp/steps.sh"' \
  bookworm "$root" - >"$work/mmdebstrap.log" 2>&1 || { tail -20 "$work/mmdebstrap.log" >&2; exit 1; }
kver=$(ls "$root/boot" | sed -n 's/^vmlinuz-//p' | sort -V | tail -1)
test -n "$kver" && test -f "$root/boot/initrd.img-$kver"
rm -rf "$root"/dev/* "$root"/proc/* "$root"/sys/* "$root"/tmp/*
# GPT: p1 ESP from 1 MiB (256 MiB), p2 root to the end (aligned, the backup table after it)
esp_start=2048 esp_sectors=524288
root_start=$((esp_start + esp_sectors))
root_sectors=$(( (size / 512 - root_start - 34) / 2048 * 2048 ))
mkfs.ext4 -q -F -b 4096 -U "$root_uuid" -L kiln-root -E root_owner=0:0,nodiscard,lazy_itable_init=1,lazy_journal_init=1 -d "$root" "$work/root.ext4" "$((root_sectors / 8))" >/dev/null
mkfs.fat -F 32 -n KILN-BOOT -i "$esp_id" -C "$work/esp.fat" $((esp_sectors / 2)) >/dev/null
esp="-i $work/esp.fat"
mmd $esp ::/EFI ::/EFI/BOOT ::/loader ::/loader/entries ::/syslinux
mcopy $esp /usr/lib/systemd/boot/efi/systemd-bootx64.efi ::/EFI/BOOT/BOOTX64.EFI
mcopy $esp "$root/boot/vmlinuz-$kver" ::/vmlinuz
mcopy $esp "$root/boot/initrd.img-$kver" ::/initrd.img
printf 'default debian.conf\ntimeout 0\n' >"$work/loader.conf"
printf 'title Debian 12\nlinux /vmlinuz\ninitrd /initrd.img\noptions root=UUID=%s ro %s\n' "$root_uuid" "$cmdline" >"$work/debian.conf"
printf 'DEFAULT debian\nLABEL debian\n  LINUX /vmlinuz\n  INITRD /initrd.img\n  APPEND root=UUID=%s ro %s\n' "$root_uuid" "$cmdline" >"$work/syslinux.cfg"
mcopy $esp "$work/loader.conf" ::/loader/loader.conf
mcopy $esp "$work/debian.conf" ::/loader/entries/debian.conf
mcopy $esp "$work/syslinux.cfg" ::/syslinux/syslinux.cfg
syslinux --install --directory /syslinux "$work/esp.fat"
truncate -s "$size" "$work/disk.raw"
printf 'label: gpt\nstart=%s, size=%s, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, attrs=LegacyBIOSBootable\nstart=%s, size=%s, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709\n' \
  "$esp_start" "$esp_sectors" "$root_start" "$root_sectors" | sfdisk -q "$work/disk.raw"
dd if=/usr/lib/SYSLINUX/gptmbr.bin of="$work/disk.raw" bs=440 count=1 conv=notrunc status=none
dd if="$work/esp.fat" of="$work/disk.raw" bs=512 seek="$esp_start" conv=notrunc,sparse status=none
dd if="$work/root.ext4" of="$work/disk.raw" bs=1M seek="$((root_start / 2048))" conv=notrunc,sparse status=none
mv "$work/disk.raw" "$out"
