#!/bin/sh
# Kiln (kiln-growroot.service): grows the root partition and its ext2/3/4 file system to the end
# of the disk, when growpart (cloud-guest-utils) and resize2fs (e2fsprogs) are in the image.
# Writes its outcome, one word, to $KILN_RUN/growroot (default /run/kiln/growroot):
#   grown       the partition was grown and the file system resized to it
#   unchanged   the partition already ends at the end of the disk
#   unsupported a tool is missing, or the root file system is not ext2/3/4 on a partition
#   failed      growpart or resize2fs failed (their words are in the journal)
# POSIX sh (Debian's dash); always exits 0 so that the boot goes on.
set -u
run=${KILN_RUN:-/run/kiln}
sys=${KILN_SYS:-/sys}
mkdir -p "$run"

outcome() {
	echo "$1" >"$run/growroot"
	echo "kiln-growroot: $1${2:+: $2}"
	exit 0
}

command -v growpart >/dev/null 2>&1 || outcome unsupported "growpart is not installed (package cloud-guest-utils)"
command -v resize2fs >/dev/null 2>&1 || outcome unsupported "resize2fs is not installed (package e2fsprogs)"
fstype=$(findmnt -n -o FSTYPE /) || outcome failed "findmnt does not see the root file system"
case $fstype in
ext2 | ext3 | ext4) ;;
*) outcome unsupported "the root file system is $fstype, not ext2/3/4" ;;
esac
majmin=$(mountpoint -d /) || outcome failed "mountpoint -d / failed"
block=$sys/dev/block/$majmin
[ -r "$block/partition" ] || outcome unsupported "the root file system ($majmin) is not on a partition"
part=$(cat "$block/partition")
path=$(readlink -f "$block")
name=${path##*/}
disk=${path%/*}
disk=${disk##*/}

out=$(growpart "/dev/$disk" "$part" 2>&1)
case $? in
0)
	resized=$(resize2fs "/dev/$name" 2>&1) || outcome failed "resize2fs /dev/$name: $resized"
	outcome grown "/dev/$name fills /dev/$disk"
	;;
1)
	case $out in
	NOCHANGE*) outcome unchanged "/dev/$name already ends at the end of /dev/$disk" ;;
	esac
	;;
esac
outcome failed "growpart /dev/$disk $part: $out"
