/**
 * GUESTOS.OnlineResizeFS and GUESTOS.CloudInit on an image with a kernel: both are packages
 * the image must carry, installed with apt-get when missing and the instance has network
 * (InternetMaxBandwidthOut > 0). Without network, or without apt-get, they are NOT REPAIRED
 * with the reason: Kiln brings no packages of its own into an image.
 *
 * OnlineResizeFS: the export's kiln-growroot.service grows the root partition and its ext4 file
 * system to the instance's disk at boot with growpart (cloud-guest-utils) and resize2fs
 * (e2fsprogs). CloudInit: ECS passes user data, SSH keys and the host name through cloud-init's
 * AliYun datasource; Debian's cloud-init finds no datasource on a plain QEMU boot and stays out
 * of the way, so installing it is safe for the boot.
 */
export const VM_ONLINE_RESIZE = `
missing=""
command -v growpart >/dev/null 2>&1 || missing="$missing growpart"
command -v resize2fs >/dev/null 2>&1 || missing="$missing resize2fs"
if [ -z "$missing" ]; then ok "growpart and resize2fs are installed: the root partition and file system grow to the disk at boot (kiln-growroot.service)"; return 0; fi
why="missing:$missing, so the root file system keeps the image's size on a larger disk"
if ! command -v apt-get >/dev/null 2>&1; then not_repaired "$why; no apt-get to install them: install cloud-utils-growpart (or cloud-guest-utils) and e2fsprogs"; return 0; fi
if ! has_network; then not_repaired "$why; installing cloud-guest-utils and e2fsprogs needs network (InternetMaxBandwidthOut > 0)"; return 0; fi
if ! apt_install cloud-guest-utils e2fsprogs; then not_repaired "$why; apt-get install cloud-guest-utils e2fsprogs failed (see the log)"; return 0; fi
if command -v growpart >/dev/null 2>&1 && command -v resize2fs >/dev/null 2>&1; then repaired "installed cloud-guest-utils and e2fsprogs with apt-get (missing:$missing)"; return 0; fi
not_repaired "$why; apt-get installed cloud-guest-utils and e2fsprogs but growpart or resize2fs is still missing"
`;

export const VM_CLOUD_INIT = `
if command -v cloud-init >/dev/null 2>&1 || [ -x /usr/bin/cloud-init ]; then ok "cloud-init is installed"; return 0; fi
if ! command -v apt-get >/dev/null 2>&1; then not_repaired "cloud-init is not installed and there is no apt-get to install it; install cloud-init with the image's package manager"; return 0; fi
if ! has_network; then not_repaired "cloud-init is not installed; installing it needs network (InternetMaxBandwidthOut > 0)"; return 0; fi
if ! apt_install cloud-init; then not_repaired "cloud-init is not installed and apt-get install cloud-init failed (see the log)"; return 0; fi
if command -v cloud-init >/dev/null 2>&1; then repaired "installed cloud-init with apt-get"; return 0; fi
not_repaired "apt-get installed cloud-init but the cloud-init command is still missing"
`;
