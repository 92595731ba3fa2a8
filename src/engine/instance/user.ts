import { readRootfsFile, RootfsFileError } from './rootfs-file.js';

/** The identity a step's process runs as. */
export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  /** From /etc/passwd, for a default HOME; `/` when unknown. */
  home: string;
}

/**
 * A USER the image cannot resolve (Docker: "unable to find user …"): no entry names it, or
 * (`reason`) the image's passwd or group file cannot be read (e.g. "/etc/passwd is not a
 * regular file").
 */
export class UnknownUserError extends Error {
  constructor(readonly user: string, what: string, reason?: string) {
    super(`unable to find ${what} ${JSON.stringify(user)}: ${reason ?? `no matching entries in the image's /etc/${what === 'user' ? 'passwd' : 'group'}`}`);
    this.name = 'UnknownUserError';
  }
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || line.startsWith('#')) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    out.push({ name: f[0]!, uid, gid, home: f[5] || '/' });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || line.startsWith('#')) continue;
    const gid = Number(f[2]);
    if (!Number.isInteger(gid)) continue;
    out.push({ name: f[0]!, gid, members: (f[3] ?? '').split(',').filter((m) => m !== '') });
  }
  return out;
}

const NUMERIC = /^\d+$/;

/**
 * Resolves `user[:group]` (names or numbers) against an image's passwd and group files, as
 * Docker does: a name must exist; a number need not (its gid is then 0, or the passwd entry's);
 * supplementary groups are the groups listing the user by name (only when no group is given).
 */
export function resolveUserSpec(spec: string, passwd: PasswdEntry[], groups: GroupEntry[]): ResolvedUser {
  const [userPart = '', groupPart] = (spec.trim() === '' ? 'root' : spec.trim()).split(':', 2);
  let entry: PasswdEntry | undefined;
  let uid: number;
  if (NUMERIC.test(userPart)) {
    uid = Number(userPart);
    entry = passwd.find((p) => p.uid === uid);
  } else {
    entry = passwd.find((p) => p.name === userPart);
    if (!entry) throw new UnknownUserError(userPart, 'user');
    uid = entry.uid;
  }
  let gid = entry?.gid ?? 0;
  let additionalGids: number[] = [];
  if (groupPart !== undefined && groupPart !== '') {
    if (NUMERIC.test(groupPart)) gid = Number(groupPart);
    else {
      const g = groups.find((x) => x.name === groupPart);
      if (!g) throw new UnknownUserError(groupPart, 'group');
      gid = g.gid;
    }
  } else if (entry) {
    additionalGids = [...new Set(groups.filter((g) => g.members.includes(entry!.name) && g.gid !== gid).map((g) => g.gid))];
  }
  return { uid, gid, additionalGids, home: entry?.home ?? '/' };
}

/**
 * Resolves a step's user from the mounted root filesystem (missing files count as empty).
 * `visited` collects the top-level names the answer depends on (`etc`, and where symlinks lead).
 */
export async function resolveUser(rootfs: string, spec: string, visited?: Set<string>): Promise<ResolvedUser> {
  const read = (file: string, what: string) =>
    readRootfsFile(rootfs, file, visited).catch((err: unknown) => {
      // a FIFO, device, directory or huge file there: this user cannot be resolved
      if (err instanceof RootfsFileError) throw new UnknownUserError(spec.trim() || 'root', what, err.message);
      throw err;
    });
  const [passwd, group] = await Promise.all([read('/etc/passwd', 'user'), read('/etc/group', 'group')]);
  return resolveUserSpec(spec, parsePasswd(passwd?.toString('utf8') ?? ''), parseGroup(group?.toString('utf8') ?? ''));
}
