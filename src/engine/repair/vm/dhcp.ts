/**
 * GUESTOS.Dhcp on an image with a kernel: not only "a file says DHCP", but that the first NIC
 * really gets an address at boot. Kiln's Debian VM base uses ifupdown + isc-dhcp-client on
 * `eth0`, named so by `net.ifnames=0` on the kernel command line; so:
 *
 * - ifupdown: an `iface eth0 inet dhcp` stanza needs `auto`/`allow-hotplug eth0`, a DHCP
 *   client (dhclient, udhcpc or dhcpcd; isc-dhcp-client installed with apt when the instance has
 *   network), networking.service enabled, and the NIC named eth0;
 * - systemd-networkd: a `.network` file with DHCP needs systemd-networkd enabled (with its
 *   socket and wait-online), and a NIC its `Name=` matches; without systemd-networkd.service
 *   it is NOT REPAIRED (a leftover file of another image must not fail the build);
 * - NetworkManager enabled, or netplan with dhcp4: configured (they handle every NIC);
 * - nothing configured: an eth0 stanza for ifupdown when it and a DHCP client are there, else a
 *   `.network` file matching `eth0 en*` with systemd-networkd enabled.
 *
 * A static eth0 is the user's choice: reported, not changed.
 */
export const VM_DHCP = String.raw`
did=""
ifaces() { cat /etc/network/interfaces /etc/network/interfaces.d/* 2>/dev/null || true; }
dhcp_client() { command -v dhclient >/dev/null 2>&1 || command -v udhcpc >/dev/null 2>&1 || command -v dhcpcd >/dev/null 2>&1; }
eth0_named() {
  cmdline_has net.ifnames=0 || [ "$(readlink /etc/systemd/network/99-default.link 2>/dev/null)" = /dev/null ] || [ "$(readlink /etc/udev/rules.d/80-net-setup-link.rules 2>/dev/null)" = /dev/null ]
}
name_eth0() {
  if ! eth0_named; then cmdline_add net.ifnames=0; did="$did added net.ifnames=0 to /etc/kernel/cmdline (so the first NIC is named eth0);"; fi
}
ifupdown_ready() {
  if ! dhcp_client; then
    if ! has_network; then not_repaired "eth0 is configured for DHCP by ifupdown but no DHCP client is installed (dhclient, udhcpc or dhcpcd); installing isc-dhcp-client needs InternetMaxBandwidthOut > 0"; return 1; fi
    if ! apt_install isc-dhcp-client; then not_repaired "eth0 uses ifupdown DHCP but no DHCP client is installed, and apt-get install isc-dhcp-client failed (see the log)"; return 1; fi
    did="$did installed isc-dhcp-client;"
  fi
  if ! ifaces | grep -Eq '^[[:space:]]*(auto|allow-hotplug)([[:space:]]+[^[:space:]]+)*[[:space:]]+eth0([[:space:]]|$)'; then
    printf '\nauto eth0\n' >> /etc/network/interfaces; did="$did added auto eth0 to /etc/network/interfaces;"
  fi
  if ! unit_enabled networking.service && [ -n "$(unit_path networking.service)" ]; then
    enable_unit networking.service multi-user.target; enable_unit networking.service network-online.target; did="$did enabled networking.service;"
  fi
  name_eth0
}
networkd_ready() {
  if ! unit_enabled systemd-networkd.service; then
    enable_unit systemd-networkd.service multi-user.target
    [ -z "$(unit_path systemd-networkd.socket)" ] || enable_unit systemd-networkd.socket sockets.target
    [ -z "$(unit_path systemd-networkd-wait-online.service)" ] || enable_unit systemd-networkd-wait-online.service network-online.target
    did="$did enabled systemd-networkd;"
  fi
}
finish() { if [ -n "$did" ]; then repaired "$1: $(echo "$did" | sed 's/^ //; s/;$//')"; else ok "$1"; fi; }
if unit_enabled NetworkManager.service; then ok "NetworkManager is enabled (it configures every Ethernet NIC by DHCP)"; return 0; fi
for f in /etc/netplan/*.yaml /etc/netplan/*.yml; do
  if [ -f "$f" ] && grep -Eqi 'dhcp4:[[:space:]]*(true|yes)' "$f"; then ok "netplan: $f enables dhcp4"; return 0; fi
done
if command -v ifup >/dev/null 2>&1 && ifaces | grep -Eq '^[[:space:]]*iface[[:space:]]+eth0[[:space:]]+inet[[:space:]]+dhcp'; then
  ifupdown_ready || return 0
  finish "/etc/network/interfaces: eth0 uses DHCP"; return 0
fi
for f in /etc/systemd/network/*.network /usr/lib/systemd/network/*.network /lib/systemd/network/*.network; do
  [ -f "$f" ] || continue
  grep -Eqi '^[[:space:]]*DHCP[[:space:]]*=[[:space:]]*(yes|true|ipv4|both)' "$f" || continue
  names=$(sed -n 's/^[[:space:]]*Name[[:space:]]*=//p' "$f" | tr '\n' ' ')
  case " $names " in *'*'*|*' en'*) ;; *' eth0 '*) name_eth0 ;; *) continue ;; esac
  if [ -z "$(unit_path systemd-networkd.service)" ]; then not_repaired "$f enables DHCP, but systemd-networkd is not installed (no systemd-networkd.service): nothing configures the NIC at boot"; return 0; fi
  networkd_ready
  finish "systemd-networkd: $f enables DHCP"; return 0
done
if [ -f /etc/sysconfig/network-scripts/ifcfg-eth0 ] && grep -Eqi '^BOOTPROTO=.?dhcp' /etc/sysconfig/network-scripts/ifcfg-eth0; then
  ok "/etc/sysconfig/network-scripts/ifcfg-eth0 uses DHCP"; return 0
fi
if ifaces | grep -Eq '^[[:space:]]*iface[[:space:]]+eth0[[:space:]]+inet[[:space:]]+static'; then
  not_repaired "/etc/network/interfaces configures eth0 statically; ECS instances get their address by DHCP"; return 0
fi
if command -v ifup >/dev/null 2>&1 && dhcp_client; then
  mkdir -p /etc/network
  [ -f /etc/network/interfaces ] || printf 'auto lo\niface lo inet loopback\n' > /etc/network/interfaces
  printf '\nauto eth0\niface eth0 inet dhcp\n' >> /etc/network/interfaces
  did=" added auto eth0 / iface eth0 inet dhcp to /etc/network/interfaces;$did"
  ifupdown_ready || return 0
  finish "no DHCP configuration"; return 0
fi
if [ -n "$(unit_path systemd-networkd.service)" ]; then
  mkdir -p /etc/systemd/network
  printf '[Match]\nName=eth0 en*\n\n[Network]\nDHCP=yes\n' > /etc/systemd/network/80-kiln-dhcp.network
  did=" wrote /etc/systemd/network/80-kiln-dhcp.network (eth0 en*, DHCP=yes);$did"
  networkd_ready
  finish "no DHCP configuration"; return 0
fi
not_repaired "no DHCP configuration and nothing to make one with: neither ifupdown with a DHCP client, systemd-networkd nor NetworkManager is installed"
`;
