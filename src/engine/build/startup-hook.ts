import { shellJoin } from './shell-quote.js';

/**
 * The shell script that installs an image's startup command (ENTRYPOINT then CMD, as Docker
 * combines them): a systemd unit where systemd is present, an rc.local hook otherwise, so the
 * command runs when an instance boots from the image.
 */
export function startupHookScript(entrypoint: readonly string[] | undefined, cmd: readonly string[] | undefined): string | undefined {
  const argv = [...(entrypoint ?? []), ...(cmd ?? [])];
  if (argv.length === 0) return undefined;
  const line = shellJoin(argv);
  return [
    'set -e',
    'if [ -d /etc/systemd/system ] && { [ -x /lib/systemd/systemd ] || [ -x /usr/lib/systemd/systemd ]; }; then',
    '  cat > /etc/systemd/system/kiln-startup.service <<\'KILN_UNIT\'',
    '[Unit]',
    'Description=Image startup command (CMD/ENTRYPOINT of the image template)',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=/bin/sh -c ${JSON.stringify(line)}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    'KILN_UNIT',
    '  mkdir -p /etc/systemd/system/multi-user.target.wants',
    '  ln -sf /etc/systemd/system/kiln-startup.service /etc/systemd/system/multi-user.target.wants/kiln-startup.service',
    'else',
    '  mkdir -p /etc',
    '  cat > /etc/rc.local <<\'KILN_RC\'',
    '#!/bin/sh',
    '# Installed by Kiln: the image\'s startup command (CMD/ENTRYPOINT).',
    `${line} &`,
    'exit 0',
    'KILN_RC',
    '  chmod 0755 /etc/rc.local',
    'fi',
  ].join('\n');
}
