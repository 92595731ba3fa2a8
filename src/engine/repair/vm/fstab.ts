/**
 * GUESTOS.Fstab on an image with a kernel. A Kiln disk holds one root file system (and the
 * boot partition the export mounts at /boot/efi); the export rewrites the `/` and `/boot/efi`
 * lines. Any other entry for a block device (`/dev/…`, `UUID=`, `LABEL=`, `PARTUUID=`,
 * `PARTLABEL=`) names a disk that is not there when the image first boots, and without
 * `nofail` systemd waits 90 s for it and then drops to emergency mode: the instance never
 * reaches the network. The repair adds `nofail,x-systemd.device-timeout=5s` to such lines rather
 * than commenting them out: the user's mount still happens when the disk is attached (ECS data
 * disks are attached to instances, not carried by the image), and an absent one costs 5 s.
 * `noauto` lines, network and pseudo file systems are left alone.
 */
export const VM_FSTAB = String.raw`
if [ ! -f /etc/fstab ] || ! grep -Eq '^[[:space:]]*[^#[:space:]]' /etc/fstab; then ok "/etc/fstab has no entries (the export writes the / line)"; return 0; fi
new=$(mktemp); changed=$(mktemp)
awk -v out="$changed" '
  BEGIN { OFS = "\t" }
  /^[ \t]*#/ || NF < 3 { print; next }
  {
    o = (NF >= 4) ? $4 : "defaults"
    disk = ($1 ~ /^\/dev\// || $1 ~ /^(UUID|LABEL|PARTUUID|PARTLABEL)=/)
    if (!disk || $2 == "/" || $2 == "/boot/efi" || $1 == "LABEL=kiln-root" || $1 == "LABEL=KILN-BOOT" || o ~ /(^|,)(nofail|noauto)(,|$)/) { print; next }
    $4 = o ",nofail,x-systemd.device-timeout=5s"
    print
    printf " %s (%s)", $1, $2 >> out
  }' /etc/fstab > "$new"
if [ ! -s "$changed" ]; then ok "every entry for a disk is /, /boot/efi, or has nofail or noauto"; return 0; fi
cat "$new" > /etc/fstab
repaired "added nofail,x-systemd.device-timeout=5s to$(cat "$changed"): the image's disk holds only / (and /boot/efi), so these disks are absent at first boot and systemd would stop in emergency mode"
`;
