import type { ComponentType, SystemType } from '../component.js';

/**
 * Components that ship with Kiln (`Owner=ALIYUN`): visible to every account in every region,
 * usable by id or by ARN with the system account id `0`, never modifiable.
 */
export interface SystemComponentSource {
  id: string;
  name: string;
  description: string;
  systemType: SystemType;
  componentType: ComponentType;
  componentVersion: string;
  content: string;
}

export const SYSTEM_COMPONENTS: readonly SystemComponentSource[] = [
  {
    id: 'ic-system-update-os-linux',
    name: 'update-os-linux',
    description: 'Upgrades every installed package with the distribution package manager (apt-get, dnf, yum, zypper or apk).',
    systemType: 'Linux',
    componentType: 'Build',
    componentVersion: '1.0.0',
    content: [
      'RUN if command -v apt-get >/dev/null; then export DEBIAN_FRONTEND=noninteractive; apt-get update && apt-get -y upgrade; \\',
      '    elif command -v dnf >/dev/null; then dnf -y upgrade; \\',
      '    elif command -v yum >/dev/null; then yum -y update; \\',
      '    elif command -v zypper >/dev/null; then zypper --non-interactive update; \\',
      '    elif command -v apk >/dev/null; then apk upgrade --no-cache; \\',
      '    else echo "no package manager found: nothing to update"; fi',
    ].join('\n'),
  },
  {
    id: 'ic-system-cleanup-linux',
    name: 'cleanup-linux',
    description: 'Removes package caches, temporary files, shell history and machine-id so the image is clean to clone.',
    systemType: 'Linux',
    componentType: 'Build',
    componentVersion: '1.0.0',
    content: [
      'RUN rm -rf /var/cache/apt/archives/*.deb /var/lib/apt/lists/* /var/cache/dnf /var/cache/yum /tmp/* /var/tmp/* /root/.bash_history; \\',
      '    if [ -f /etc/machine-id ]; then : > /etc/machine-id; fi; true',
    ].join('\n'),
  },
  {
    id: 'ic-system-create-user-linux',
    name: 'create-user-linux',
    description: 'Creates a login user with a home directory (parameter userName).',
    systemType: 'Linux',
    componentType: 'Build',
    componentVersion: '1.0.0',
    content: [
      'Parameters:',
      '  userName:',
      '    Type: String',
      '    DefaultValue: admin',
      'Tasks:',
      '  - Name: CreateUser',
      '    Action: RunShellCommand',
      '    Properties:',
      '      commandContent: id -u {{ userName }} >/dev/null 2>&1 || adduser -D {{ userName }} 2>/dev/null || useradd -m {{ userName }}',
    ].join('\n'),
  },
  {
    id: 'ic-system-check-network-linux',
    name: 'check-network-linux',
    description: 'Test: the instance has a loopback interface and a resolvable hostname.',
    systemType: 'Linux',
    componentType: 'Test',
    componentVersion: '1.0.0',
    content: 'RUN test -n "$(hostname)" && cat /proc/net/dev | grep -q lo',
  },
  {
    id: 'ic-system-check-file-linux',
    name: 'check-file-exists-linux',
    description: 'Test: the file named by the parameter path exists in the image.',
    systemType: 'Linux',
    componentType: 'Test',
    componentVersion: '1.0.0',
    content: [
      'Parameters:',
      '  path:',
      '    Type: String',
      'Tasks:',
      '  - Name: CheckFile',
      '    Action: RunShellCommand',
      '    Properties:',
      '      commandContent: test -e {{ path }}',
    ].join('\n'),
  },
];
