#!/bin/sh
# Kiln: keeps the boot partition in step with /boot when a kernel or initramfs changes inside a
# VM made from an exported disk. The boot loaders read the kernel and initrd from the FAT
# partition mounted on /boot/efi, not from /boot: this copies the newest kernel of /boot that
# has an initrd there, points systemd-boot's entry and syslinux's config at it, and removes the
# partition's kernels that /boot no longer has. Installed as /etc/kernel/postinst.d/zz-kiln-boot,
# /etc/kernel/postrm.d/zz-kiln-boot and /etc/initramfs/post-update.d/zz-kiln-boot; does nothing
# where the partition is not mounted (an image being built, a VM that lost it). POSIX sh (dash).
set -eu
efi=${KILN_EFI:-/boot/efi}
boot=${KILN_BOOT:-/boot}
entry=$efi/loader/entries/kiln.conf
syslinux=$efi/syslinux/syslinux.cfg
[ -f "$entry" ] || [ -f "$syslinux" ] || exit 0

newest=
for k in "$boot"/vmlinuz-*; do
	[ -f "$k" ] || continue
	v=${k##*/vmlinuz-}
	[ -f "$boot/initrd.img-$v" ] || continue
	case $v in *[!A-Za-z0-9._+~-]*) continue ;; esac
	newest=$(printf '%s\n%s\n' "$newest" "$v" | sort -V | tail -n 1)
done
[ -n "$newest" ] || exit 0

for f in vmlinuz initrd.img; do
	if ! cmp -s "$boot/$f-$newest" "$efi/$f-$newest"; then
		cp "$boot/$f-$newest" "$efi/$f-$newest.kiln-new"
		mv "$efi/$f-$newest.kiln-new" "$efi/$f-$newest"
	fi
done
if [ -f "$entry" ]; then
	sed -e "s|^title .*|title Kiln image (Linux $newest)|" -e "s|^version .*|version $newest|" \
		-e "s|^linux /vmlinuz-.*|linux /vmlinuz-$newest|" -e "s|^initrd /initrd.img-.*|initrd /initrd.img-$newest|" \
		"$entry" >"$entry.kiln-new"
	mv "$entry.kiln-new" "$entry"
fi
if [ -f "$syslinux" ]; then
	sed -e "s|^  LINUX /vmlinuz-.*|  LINUX /vmlinuz-$newest|" -e "s|^  INITRD /initrd.img-.*|  INITRD /initrd.img-$newest|" \
		"$syslinux" >"$syslinux.kiln-new"
	mv "$syslinux.kiln-new" "$syslinux"
fi
for k in "$efi"/vmlinuz-* "$efi"/initrd.img-*; do
	[ -f "$k" ] || continue
	name=${k##*/}
	[ -f "$boot/$name" ] || rm -f "$k"
done
echo "kiln: the boot partition boots Linux $newest"
