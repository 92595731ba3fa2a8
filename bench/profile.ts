import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * Summarises the V8 CPU profiles (`node --cpu-prof`) of a Kiln process: every sample is put in
 * the layer of the deepest stack frame that belongs to a known layer (so a native SHA-256
 * call made by the signature check counts as "signature verify", a native SQLite step made
 * through Kysely counts as "SQLite"), and the shares are printed along with the top
 * self-time functions. Samples are wall-clock ticks of the main thread, so a commit blocked
 * in fsync shows up as SQLite time too.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Layers, first match wins when several frames of one stack match (deepest frame first). */
const LAYERS: Array<[string, (f: CallFrame) => boolean]> = [
  // better-sqlite3's native calls have no frame of their own: their time is the self time of
  // the JS function that calls them (Kysely's driver for statements, the wrapper for prepare).
  ['SQLite: prepare (a new statement per query)', (f) => /better-sqlite3\/lib\/methods\/wrappers\.js/.test(f.url) && f.functionName === 'prepare'],
  ['SQLite: execute (steps, commit with fsync)', (f) => /kysely\/dist\/esm\/dialect\/sqlite\/sqlite-driver\.js/.test(f.url) && f.functionName === 'executeQuery'],
  // Kiln's own driver (src/store/sqlite-driver.ts) since the store work: executeQuery steps the cached statement.
  ['SQLite: execute (steps, commit with fsync)', (f) => /src\/store\/sqlite-driver\.ts/.test(f.url) && f.functionName === 'executeQuery'],
  ['JSON.parse / JSON.stringify', (f) => f.url === '' && /^(parse|stringify)$/.test(f.functionName)],
  ['signature verify (src/api/rpc/signature-*, authenticate)', (f) => /src\/api\/rpc\/(signature-v[13]|authenticate|constant-time|percent-encode)\.ts/.test(f.url)],
  ['request decode (src/api/rpc/decode)', (f) => /src\/api\/rpc\/decode\.ts/.test(f.url)],
  ['response encode (src/api/rpc/encode, present-*)', (f) => /src\/api\/(rpc\/(encode|xml)|operations\/present-)/.test(f.url)],
  ['pg driver', (f) => /node_modules\/(pg|pg-protocol|pg-pool)\//.test(f.url)],
  ['Kysely (query building, compiling, driver glue)', (f) => /node_modules\/kysely\//.test(f.url)],
  ['store repositories (src/store)', (f) => /src\/store\//.test(f.url)],
  ['build-content parser (src/domain/buildcontent)', (f) => /src\/domain\/buildcontent\//.test(f.url)],
  ['app + domain (src/app, src/domain, operations)', (f) => /src\/(app|domain|api\/operations)\//.test(f.url)],
  ['fastify', (f) => /node_modules\/(fastify|find-my-way|avvio|@fastify|fast-json-stringify|light-my-request|pino|sonic-boom|thread-stream)/.test(f.url)],
  ['rpc handler glue (src/api)', (f) => /src\/api\//.test(f.url)],
  ['node http / net / streams', (f) => /^node:(_http|http|net|stream|internal\/(streams|http|net|stream_base|timers|async_hooks|process\/task_queues))/.test(f.url)],
  ['tsx / module loading', (f) => /node_modules\/(tsx|esbuild)\/|^node:internal\/modules/.test(f.url)],
];

function classify(stack: CallFrame[]): string {
  const leaf = stack[0]!;
  if (leaf.functionName === '(idle)') return '(idle)';
  if (leaf.functionName === '(garbage collector)') return 'garbage collector';
  if (leaf.functionName === '(program)') return 'V8/native, no JS frame ("(program)")';
  for (const frame of stack) {
    for (const [name, test] of LAYERS) if (test(frame)) return name;
  }
  return 'other';
}

/** A time window on the monotonic clock, in microseconds (V8 profiles and process.hrtime share it). */
export interface Window {
  fromUs: number;
  toUs: number;
}

/** Now on the monotonic clock, in microseconds. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * Reads every `.cpuprofile` in `dir` and returns a printable summary of the samples taken in
 * `window` (all samples when absent), with the `top` heaviest functions.
 */
export function summarizeProfiles(dir: string, window?: Window, top = 12): string {
  // CPU.<date>.<time>.<pid>.<threadId>.<seq>.cpuprofile: keep the main thread (0), not the
  // thread tsx's module hooks run on (idle once loading is done).
  const files = readdirSync(dir).filter((f) => /\.0\.\d+\.cpuprofile$/.test(f));
  if (files.length === 0) return `  (no profile written in ${dir})`;
  const byLayer = new Map<string, number>();
  const bySelf = new Map<string, number>();
  let total = 0;
  for (const file of files) {
    const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const nodes = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const layerOf = new Map<number, string>();
    let ts = p.startTime;
    for (let i = 0; i < p.samples.length; i++) {
      const id = p.samples[i]!;
      ts += p.timeDeltas[i] ?? 0;
      const dt = p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0;
      if (window && (ts < window.fromUs || ts > window.toUs)) continue;
      let layer = layerOf.get(id);
      if (layer === undefined) {
        const stack: CallFrame[] = [];
        for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) stack.push(nodes.get(cur)!.callFrame);
        layer = classify(stack);
        layerOf.set(id, layer);
      }
      byLayer.set(layer, (byLayer.get(layer) ?? 0) + dt);
      const f = nodes.get(id)!.callFrame;
      const self = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|src)\//, '$1/')}:${f.lineNumber + 1}`;
      bySelf.set(self, (bySelf.get(self) ?? 0) + dt);
      total += dt;
    }
  }
  if (total === 0) return '  (no samples in the window)';
  const idle = byLayer.get('(idle)') ?? 0;
  const busy = total - idle;
  const pct = (v: number, of: number) => `${((100 * v) / of).toFixed(1).padStart(5)}%`;
  const out = [`  ${(total / 1e6).toFixed(1)} s sampled, ${pct(idle, total).trim()} idle; shares of the busy time:`];
  for (const [layer, t] of [...byLayer].filter(([l]) => l !== '(idle)').sort((a, b) => b[1] - a[1])) {
    out.push(`  ${pct(t, busy)}  ${layer}`);
  }
  out.push('  top self time:');
  for (const [fn, t] of [...bySelf].filter(([f]) => !f.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) {
    out.push(`  ${pct(t, busy)}  ${fn}`);
  }
  return out.join('\n');
}
