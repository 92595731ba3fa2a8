/**
 * Shell functions every check item may call (POSIX sh, defined once at the top of the repair
 * script, before the items). Besides the result helpers of `script.ts`:
 *
 * - `has_kernel`: the image carries its own kernel (/boot/vmlinuz* or /lib/modules/*).
 * - `has_network`: the intermediate instance reaches the internet (InternetMaxBandwidthOut > 0;
 *   the engine sets `KILN_NETWORK=yes`).
 * - `kernel_version`: the kernel Kiln's bootable exports boot (Guest contract): the newest
 *   version with both /boot/vmlinuz-<v> and /boot/initrd.img-<v> as regular files; empty if none.
 * - `unit_path NAME`, `unit_enabled NAME`, `enable_unit NAME TARGET`: systemd units, read and
 *   enabled by their symlinks (systemd does not run on the instance: nothing is started).
 * - `cmdline_has PREFIX`, `cmdline_add TOKEN`: /etc/kernel/cmdline, which the export appends to
 *   `root=UUID=… ro`; absent, the export uses `console=tty0 console=ttyS0,115200n8`, so
 *   `cmdline_add` writes that default before the token.
 * - `apt_install PKG…`: apt-get update + install (no recommends), output on stderr; package
 *   lists the image did not have are removed again. Exit 2 without apt-get.
 */
export const SHELL_HELPERS = String.raw`
has_kernel() { ls /boot/vmlinuz* >/dev/null 2>&1 || [ -n "$(ls -A /lib/modules 2>/dev/null)" ]; }
has_network() { [ "$KILN_NETWORK" = yes ]; }
kernel_version() {
  for v in $(ls /boot 2>/dev/null | sed -n 's/^vmlinuz-//p' | sort -V -r 2>/dev/null); do
    if [ -f "/boot/vmlinuz-$v" ] && [ ! -L "/boot/vmlinuz-$v" ] && [ -f "/boot/initrd.img-$v" ] && [ ! -L "/boot/initrd.img-$v" ]; then echo "$v"; return 0; fi
  done
  return 0
}
unit_path() {
  for d in /etc/systemd/system /usr/lib/systemd/system /lib/systemd/system; do
    if [ -f "$d/$1" ]; then echo "$d/$1"; return 0; fi
  done
  return 0
}
unit_enabled() {
  for l in /etc/systemd/system/*.wants/"$1" /usr/lib/systemd/system/*.wants/"$1" /lib/systemd/system/*.wants/"$1"; do
    if [ -L "$l" ] || [ -e "$l" ]; then return 0; fi
  done
  return 1
}
enable_unit() {
  mkdir -p "/etc/systemd/system/$2.wants"
  ln -sf "$(unit_path "$1")" "/etc/systemd/system/$2.wants/$1"
}
cmdline_has() { [ -f /etc/kernel/cmdline ] && tr ' \t' '\n\n' < /etc/kernel/cmdline | grep -q "^$1"; }
cmdline_add() {
  mkdir -p /etc/kernel
  if [ -f /etc/kernel/cmdline ]; then line="$(tr '\n' ' ' < /etc/kernel/cmdline | sed 's/[[:space:]]*$//')"; else line='console=tty0 console=ttyS0,115200n8'; fi
  printf '%s\n' "$(echo "$line $1" | sed 's/^ *//')" > /etc/kernel/cmdline
}
apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 2
  had_lists=$(ls /var/lib/apt/lists 2>/dev/null | grep -c _ || true)
  rc=0
  { DEBIAN_FRONTEND=noninteractive apt-get -o APT::Update::Error-Mode=any update && DEBIAN_FRONTEND=noninteractive apt-get install -y --reinstall --no-install-recommends "$@"; } >&2 || rc=$?
  apt-get clean >&2 || true
  if [ "$had_lists" -eq 0 ]; then find /var/lib/apt/lists -mindepth 1 -maxdepth 1 ! -name lock ! -name partial -exec rm -rf {} + 2>/dev/null || true; fi
  return "$rc"
}
`;
