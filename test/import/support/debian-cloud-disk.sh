#!/bin/sh
# A bootable Debian 12 cloud-style disk made with Debian's own tools, NOT with Kiln: it stands in
# for another vendor's image pipeline in the ImportImage tests (test/import/debian-cloud-disk.ts).
#
#   debian-cloud-disk.sh OUT.qcow2 WORKDIR ROOT_UUID ESP_VOLUME_ID < deb822-sources
#
# mmdebstrap (the machine's Debian mirror, read as deb822 sources on stdin) with the cloud kernel,
# systemd as init, systemd-networkd bringing up en* by DHCP, a serial console, GRUB for BIOS;
# /etc/fstab names the root file system and the EFI system partition (/boot/efi, as Debian's cloud
# images have one) by UUID. The disk: an MBR (dos label), p1 a bootable ext4 partition from 1 MiB
# holding the whole tree (/boot included), made by `mkfs.ext4 -d` (no mount), p2 a 64 MiB FAT
# EFI system partition (empty: this image boots by BIOS); GRUB's boot.img in the MBR and its core.img (grub-mkimage, run in
# the guest, with the guest's GRUB modules) in the gap before the partition, as grub-install
# lays them out; /boot/grub/grub.cfg written by hand (update-grub needs the devices). Then
# `qemu-img convert -O qcow2`. WORKDIR is scratch space the caller removes.
set -eu
out=$1 work=$2 uuid=$3 esp=$4
root=$work/root
mmdebstrap --variant=minbase --mode=unshare --format=directory --dpkgopt=force-unsafe-io \
  --include=linux-image-cloud-amd64,systemd,systemd-sysv,udev,initramfs-tools,kmod,grub-pc-bin,grub2-common,iproute2,ca-certificates \
  --customize-hook='chroot "$1" systemctl enable systemd-networkd.service' \
  --customize-hook='mkdir -p "$1/boot/grub/i386-pc"' \
  --customize-hook='chroot "$1" grub-mkimage -O i386-pc -o /boot/grub/i386-pc/core.img -p "(hd0,msdos1)/boot/grub" biosdisk part_msdos ext2 normal linux search search_fs_uuid serial terminal echo configfile' \
  bookworm "$root" - >"$work/mmdebstrap.log" 2>&1 || { tail -20 "$work/mmdebstrap.log" >&2; exit 1; }
kver=$(ls "$root/boot" | sed -n 's/^vmlinuz-//p' | sort -V | tail -1)
test -n "$kver" && test -f "$root/boot/initrd.img-$kver"
printf 'debian-cloud\n' >"$root/etc/hostname"
printf '# vendor image: the root file system by UUID\nUUID=%s / ext4 rw,discard,errors=remount-ro 0 1\nUUID=%s /boot/efi vfat umask=0077 0 1\n' "$uuid" "$esp" >"$root/etc/fstab"
mkdir -p "$root/etc/systemd/network"
printf '[Match]\nName=en* eth*\n\n[Network]\nDHCP=yes\n' >"$root/etc/systemd/network/20-wired.network"
cp "$root"/usr/lib/grub/i386-pc/*.mod "$root"/usr/lib/grub/i386-pc/*.lst "$root/boot/grub/i386-pc/"
cp "$root/usr/lib/grub/i386-pc/boot.img" "$root/boot/grub/i386-pc/boot.img"
cat >"$root/boot/grub/grub.cfg" <<CFG
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=1
set default=0
menuentry 'Debian GNU/Linux 12 (vendor image)' {
  search --no-floppy --fs-uuid --set=root $uuid
  linux /boot/vmlinuz-$kver root=UUID=$uuid ro console=tty0 console=ttyS0,115200n8
  initrd /boot/initrd.img-$kver
}
CFG
rm -rf "$root"/dev/* "$root"/proc/* "$root"/sys/* "$root"/tmp/* "$root"/var/lib/apt/lists/*_Packages
mkdir -p "$root/boot/efi"
# 2 GiB disk: MBR, p1 bootable Linux from sector 2048, p2 the ESP (64 MiB) at the end
size=$((2048 * 1024 * 1024))
esp_sectors=$((64 * 2048))
part_sectors=$((size / 512 - 2048 - esp_sectors))
mkfs.ext4 -q -F -b 4096 -U "$uuid" -L cloudimg-rootfs -E root_owner=0:0 -d "$root" "$work/root.ext4" "$((part_sectors / 8))" >/dev/null
truncate -s "$size" "$work/disk.raw"
printf 'label: dos\nstart=2048, size=%s, type=83, bootable\nstart=%s, size=%s, type=ef\n' "$part_sectors" "$((2048 + part_sectors))" "$esp_sectors" | sfdisk -q "$work/disk.raw"
mkfs.fat -F 32 -i "$(echo "$esp" | tr -d -)" -n ESP -C "$work/esp.fat" $((esp_sectors / 2)) >/dev/null
dd if="$work/esp.fat" of="$work/disk.raw" bs=512 seek=$((2048 + part_sectors)) conv=notrunc,sparse status=none
dd if="$work/root.ext4" of="$work/disk.raw" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$root/usr/lib/grub/i386-pc/boot.img" of="$work/disk.raw" bs=440 count=1 conv=notrunc status=none
dd if="$root/boot/grub/i386-pc/core.img" of="$work/disk.raw" bs=512 seek=1 conv=notrunc status=none
qemu-img convert -f raw -O qcow2 "$work/disk.raw" "$out.tmp"
mv "$out.tmp" "$out"
