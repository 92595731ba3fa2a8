import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CleanupStack } from '../../src/engine/instance/cleanup-stack.js';
import { buildStepSpec, DEFAULT_CAPABILITIES, type StepSpecInput } from '../../src/engine/instance/oci-spec.js';
import { parseGroup, parsePasswd, resolveUserSpec, UnknownUserError } from '../../src/engine/instance/user.js';
import { readRootfsFile } from '../../src/engine/instance/rootfs-file.js';
import { kernelAtLeast, seccompFor } from '../../src/engine/instance/seccomp.js';

describe('instance parts', () => {
  test('the cleanup stack undoes in reverse, runs every undo, and reports failures together', async () => {
    const done: string[] = [];
    const stack = new CleanupStack();
    stack.push('a', async () => void done.push('a'));
    stack.push('b', async () => {
      done.push('b');
      throw new Error('b broke');
    });
    stack.push('c', async () => void done.push('c'));
    await assert.rejects(stack.unwind(), /cleanup of b failed: b broke/);
    assert.deepEqual(done, ['c', 'b', 'a']);
    assert.equal(stack.size, 0);

    const undone: string[] = [];
    const guarded = new CleanupStack();
    await assert.rejects(
      guarded.guard(async (s) => {
        s.push('x', async () => void undone.push('x'));
        s.push('y', async () => void undone.push('y'));
        throw new Error('step 3 failed');
      }),
      /step 3 failed/,
    );
    assert.deepEqual(undone, ['y', 'x']);
  });

  test('users resolve like Docker: names must exist, numbers need not', () => {
    const passwd = parsePasswd('root:x:0:0:root:/root:/bin/sh\nbuild:x:1000:1001:Build:/home/build:/bin/sh\n# comment\n');
    const group = parseGroup('root:x:0:\nbuild:x:1001:\ndocker:x:999:build,other\nwheel:x:10:build\n');
    assert.deepEqual(resolveUserSpec('', passwd, group), { uid: 0, gid: 0, additionalGids: [], home: '/root' });
    assert.deepEqual(resolveUserSpec('build', passwd, group), { uid: 1000, gid: 1001, additionalGids: [999, 10], home: '/home/build' });
    assert.deepEqual(resolveUserSpec('build:root', passwd, group), { uid: 1000, gid: 0, additionalGids: [], home: '/home/build' });
    assert.deepEqual(resolveUserSpec('1000', passwd, group).gid, 1001);
    assert.deepEqual(resolveUserSpec('4242', passwd, group), { uid: 4242, gid: 0, additionalGids: [], home: '/' });
    assert.deepEqual(resolveUserSpec('4242:77', passwd, group).gid, 77);
    assert.throws(() => resolveUserSpec('ghost', passwd, group), UnknownUserError);
    assert.throws(() => resolveUserSpec('build:ghosts', passwd, group), UnknownUserError);
  });

  test('the step spec: defaults for PATH and HOME, no capabilities for non-root, the instance netns', () => {
    const input: StepSpecInput = {
      rootfs: '/r',
      hostname: 'h',
      argv: ['/bin/sh', '-c', 'true'],
      env: ['A=1'],
      cwd: '/w',
      uid: 1000,
      gid: 1000,
      additionalGids: [10],
      home: '/home/u',
      netnsPath: '/run/netns/kiln-x',
      cgroupsPath: 'kiln-x/kiln-x-1',
      etcFiles: [{ destination: '/etc/hosts', source: '/i/etc/hosts' }],
      tmpDir: '/i/tmp',
      idRange: { hostId: 2 ** 31, size: 65536 },
      maxOpenFiles: 1024,
    };
    const spec = buildStepSpec(input) as {
      process: { env: string[]; capabilities: Record<string, string[]>; noNewPrivileges: boolean };
      linux: { namespaces: { type: string; path?: string }[]; cgroupsPath: string };
      mounts: { destination: string; type: string; options?: string[] }[];
    };
    assert.deepEqual(spec.process.env.slice(0, 1), ['A=1']);
    assert.ok(spec.process.env.some((e) => e.startsWith('PATH=/usr/local/sbin')));
    assert.ok(spec.process.env.includes('HOME=/home/u'));
    assert.deepEqual(spec.process.capabilities.effective, []);
    assert.deepEqual(spec.process.capabilities.bounding, DEFAULT_CAPABILITIES);
    assert.equal(spec.process.noNewPrivileges, false);
    assert.deepEqual(spec.linux.namespaces.find((n) => n.type === 'network'), { type: 'network', path: '/run/netns/kiln-x' });
    assert.ok(['pid', 'mount', 'uts', 'ipc'].every((t) => spec.linux.namespaces.some((n) => n.type === t && !n.path)));
    assert.ok(spec.mounts.some((m) => m.destination === '/sys' && m.options?.includes('rro')));
    assert.ok(spec.mounts.some((m) => m.destination === '/sys/fs/cgroup' && m.type === 'cgroup' && m.options?.includes('ro')));
    const rootSpec = buildStepSpec({ ...input, uid: 0, env: ['PATH=/x', 'HOME=/h'] }) as typeof spec;
    assert.deepEqual(rootSpec.process.capabilities.effective, DEFAULT_CAPABILITIES);
    assert.deepEqual(rootSpec.process.env.filter((e) => e.startsWith('PATH=') || e.startsWith('HOME=')), ['PATH=/x', 'HOME=/h']);
  });

  test("seccomp: Docker's default profile, filtered by capabilities, architecture and kernel as Moby does", () => {
    const allowed = (p: ReturnType<typeof seccompFor>, name: string) => p.syscalls.some((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args && r.names.includes(name));
    const step = seccompFor({ capabilities: DEFAULT_CAPABILITIES, arch: 'x64', kernel: '6.18.0' });
    assert.equal(step.defaultAction, 'SCMP_ACT_ERRNO');
    assert.equal(step.defaultErrnoRet, 1);
    assert.deepEqual(step.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
    for (const name of ['read', 'execve', 'chown', 'setuid', 'chroot', 'ptrace', 'arch_prctl']) assert.ok(allowed(step, name), name);
    for (const name of ['keyctl', 'add_key', 'request_key', 'unshare', 'setns', 'mount', 'perf_event_open', 'bpf', 'io_uring_setup', 'init_module']) assert.ok(!allowed(step, name), name);
    assert.ok(step.syscalls.some((r) => r.names.includes('clone') && r.args?.[0]?.op === 'SCMP_CMP_MASKED_EQ'), 'clone only without namespace flags');
    assert.ok(step.syscalls.some((r) => r.names.includes('clone3') && r.action === 'SCMP_ACT_ERRNO' && r.errnoRet === 38), 'clone3: ENOSYS');
    const admin = seccompFor({ capabilities: [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN'], arch: 'x64', kernel: '6.18.0' });
    assert.ok(allowed(admin, 'unshare') && allowed(admin, 'mount'));
    assert.ok(!admin.syscalls.some((r) => r.names.includes('clone3') && r.action === 'SCMP_ACT_ERRNO'));
    const arm = seccompFor({ capabilities: DEFAULT_CAPABILITIES, arch: 'arm64', kernel: '4.4.0' });
    assert.deepEqual(arm.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    assert.ok(!allowed(arm, 'arch_prctl') && allowed(arm, 'set_tls') && !allowed(arm, 'ptrace'), 'per arch; ptrace only from 4.8');
    assert.ok(kernelAtLeast('4.8.0-1', '4.8') && kernelAtLeast('5.1', '4.8') && !kernelAtLeast('4.7.9', '4.8'));
  });

  test("an image's symlinks are resolved inside its root", async () => {
    const root = await mkdtemp(join(tmpdir(), 'kiln-rootfs-'));
    const outside = await mkdtemp(join(tmpdir(), 'kiln-outside-'));
    try {
      await writeFile(join(outside, 'secret'), 'host secret');
      await mkdir(join(root, 'etc'));
      await mkdir(join(root, 'real'));
      await writeFile(join(root, 'real/passwd'), 'inside');
      await symlink(join(outside, 'secret'), join(root, 'etc/abs')); // absolute: means <root>/<that path>
      await symlink('../../../../../../real/passwd', join(root, 'etc/dots'));
      await symlink('/real', join(root, 'etc/dir'));
      assert.equal(await readRootfsFile(root, '/etc/abs'), undefined);
      assert.equal((await readRootfsFile(root, '/etc/dots'))?.toString(), 'inside');
      assert.equal((await readRootfsFile(root, '/etc/dir/passwd'))?.toString(), 'inside');
      assert.equal(await readRootfsFile(root, '/missing'), undefined);
    } finally {
      await rm(root, { recursive: true, force: true });
      await rm(outside, { recursive: true, force: true });
    }
  });
});
