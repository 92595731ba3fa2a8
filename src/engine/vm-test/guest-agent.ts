import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { GuestFile } from '../export/boot/guest-files.js';

/** The agent's script on this host (perl; only perl-base modules, which Debian marks Essential). */
export const AGENT_SCRIPT = fileURLToPath(new URL('./kiln-test-agent.pl', import.meta.url));

/** The virtio-serial port the agent talks on (`/dev/virtio-ports/<name>` in the guest). */
export const AGENT_PORT = 'io.kiln.agent';
export const AGENT_UNIT = 'kiln-test-agent.service';
/** Where the agent lands in the test disk's tree. */
export const AGENT_GUEST_PATH = '/usr/lib/kiln/kiln-test-agent';
/** The interpreter the agent needs in the image. */
export const AGENT_INTERPRETER = '/usr/bin/perl';

/**
 * Started once the system is up (after multi-user.target, as a cloud instance's command agent
 * runs), bound to its port device (udev names it from the port name). Commands run from it in
 * their own sessions, so the unit's processes are the agent and the tests' commands alike.
 */
const UNIT = `[Unit]
Description=Kiln test agent (TESTING in a VM; on the test disk only, never in the image)
BindsTo=dev-virtio\\x2dports-io.kiln.agent.device
After=dev-virtio\\x2dports-io.kiln.agent.device multi-user.target

[Service]
Type=simple
ExecStart=${AGENT_INTERPRETER} ${AGENT_GUEST_PATH} /dev/virtio-ports/${AGENT_PORT}
KillMode=process
Restart=no

[Install]
WantedBy=multi-user.target
`;

/** The agent's files for the test disk (`ExportRequest.guestFiles`) and the unit to enable. */
export async function agentGuestFiles(): Promise<{ guestFiles: GuestFile[]; enableUnits: string[] }> {
  return {
    guestFiles: [
      { path: AGENT_GUEST_PATH, content: await readFile(AGENT_SCRIPT), mode: 0o755 },
      { path: `/etc/systemd/system/${AGENT_UNIT}`, content: UNIT, mode: 0o644 },
    ],
    enableUnits: [AGENT_UNIT],
  };
}
