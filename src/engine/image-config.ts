/**
 * The image configuration a build accumulates (the OCI image config's `config` object):
 * environment, working directory, user, labels and the startup command. ENV, WORKDIR,
 * USER, LABEL, CMD and ENTRYPOINT change it; RUN steps run with it.
 */
export interface ImageConfigState {
  /** Ordered; a repeated key keeps its first position and takes the new value. */
  env: Array<[string, string]>;
  workingDir: string;
  user: string;
  labels: Record<string, string>;
  cmd?: string[];
  entrypoint?: string[];
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function initialConfig(base?: Partial<ImageConfigState>): ImageConfigState {
  return {
    env: base?.env ? base.env.map(([k, v]) => [k, v] as [string, string]) : [['PATH', DEFAULT_PATH]],
    workingDir: base?.workingDir ?? '/root',
    user: base?.user ?? 'root',
    labels: { ...(base?.labels ?? {}) },
    ...(base?.cmd ? { cmd: [...base.cmd] } : {}),
    ...(base?.entrypoint ? { entrypoint: [...base.entrypoint] } : {}),
  };
}

/** `$NAME` and `${NAME}` replaced from the environment (unknown names become empty), as Docker does for ENV, WORKDIR, USER, COPY and LABEL. */
export function expand(text: string, env: ReadonlyArray<[string, string]>): string {
  const lookup = new Map(env);
  return text.replace(/\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced?: string, bare?: string) => {
    if (whole === '\\$') return '$';
    return lookup.get((braced ?? bare)!) ?? '';
  });
}

export function setEnv(state: ImageConfigState, pairs: ReadonlyArray<[string, string]>): void {
  for (const [key, raw] of pairs) {
    const value = expand(raw, state.env);
    const i = state.env.findIndex(([k]) => k === key);
    if (i >= 0) state.env[i] = [key, value];
    else state.env.push([key, value]);
  }
}

/** A relative WORKDIR is resolved against the current one, as Docker does. */
export function resolveWorkdir(state: ImageConfigState, path: string): string {
  const p = expand(path, state.env);
  const joined = p.startsWith('/') ? p : `${state.workingDir.replace(/\/$/, '')}/${p}`;
  const parts: string[] = [];
  for (const seg of joined.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return `/${parts.join('/')}`;
}

export function envList(state: ImageConfigState): string[] {
  return state.env.map(([k, v]) => `${k}=${v}`);
}
