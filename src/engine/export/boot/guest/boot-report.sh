#!/bin/sh
# Kiln (kiln-boot-report.service, after multi-user.target): waits up to 60 s for a global IPv4
# address, then writes ONE line, from column 0, to the serial console $KILN_CONSOLE (default
# /dev/ttyS0), the line a boot check waits for:
#   KILN-BOOT-REPORT v1 target=multi-user.target ipv4=<a.b.c.d/nn|none> root_bytes=<n>
#     disk_bytes=<n> growroot=<grown|unchanged|unsupported|failed> cmd=<active|failed|none>
# (one line). POSIX sh (Debian's dash).
set -u
set -f
run=${KILN_RUN:-/run/kiln}
sys=${KILN_SYS:-/sys}
units=${KILN_UNITS:-/etc/systemd/system}
console=${KILN_CONSOLE:-/dev/ttyS0}
wait=${KILN_IPV4_WAIT:-60}

ipv4=none
if command -v ip >/dev/null 2>&1; then
	i=0
	while :; do
		# "2: eth0    inet 10.0.2.15/24 brd 10.0.2.255 scope global dynamic eth0 ..."
		set -- $(ip -4 -o addr show scope global 2>/dev/null)
		if [ $# -ge 4 ]; then
			ipv4=$4
			break
		fi
		[ "$i" -ge "$wait" ] && break
		i=$((i + 1))
		sleep 1
	done
fi

set -- $(stat -f -c '%b %S' /)
root_bytes=$(($1 * $2))

disk_bytes=0
if majmin=$(mountpoint -d / 2>/dev/null); then
	block=$sys/dev/block/$majmin
	if [ -r "$block/partition" ]; then block=$(readlink -f "$block/.."); fi
	[ -r "$block/size" ] && disk_bytes=$(($(cat "$block/size") * 512))
fi

growroot=$(cat "$run/growroot" 2>/dev/null) || growroot=unsupported
case $growroot in
grown | unchanged | unsupported | failed) ;;
*) growroot=failed ;;
esac

cmd=none
if [ -e "$units/kiln-cmd.service" ]; then
	if systemctl is-active --quiet kiln-cmd.service; then cmd=active; else cmd=failed; fi
fi

line="KILN-BOOT-REPORT v1 target=multi-user.target ipv4=$ipv4 root_bytes=$root_bytes disk_bytes=$disk_bytes growroot=$growroot cmd=$cmd"
echo "$line"
printf '\r\n%s\r\n' "$line" >"$console"
