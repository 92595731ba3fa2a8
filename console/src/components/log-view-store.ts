import type { LogChunk } from '../api/logs';

/** A stage line of the log (`[BUILDING] message`): the stage began at `time`. */
export interface StageMark {
  stage: string;
  message: string;
  line: number;
  time: string;
}

/** A step line of the log (`--> line 3: RUN …`); `cached` when the step cache line followed it. */
export interface StepMark {
  where: string;
  what: string;
  line: number;
  time: string;
  /** The stage the step ran in (TESTING steps are TestContent's lines). */
  stage: string;
  cached: boolean;
}

export type StreamName = LogChunk['stream'];
const STREAMS: StreamName[] = ['stdout', 'stderr', 'system'];

/** Longer lines are shown cut into pieces of this many characters (bounded DOM and joins). */
export const MAX_LINE = 8192;
const STAGE_RE = /^\[([A-Z_]+)\] (.*)$/;
const STEP_RE = /^--> (line \d+[^:]*): (.*)$/;
const CACHED_PREFIX = '    from the step cache (';

/**
 * A build's log kept compactly for a 100 MB log: the chunks' texts exactly as they arrived,
 * plus a line index (two typed arrays: the chunk a line starts in and its offset there). No
 * object or DOM node per line; a line's text is a slice made when it is shown. A line continued
 * by the next chunk of the same stream (a command's output arrives in pieces) is joined once
 * and kept in `joined`, bounded by MAX_LINE.
 */
export class LogStore {
  private texts: string[] = [];
  private chunkStream: number[] = [];
  private chunkTime: string[] = [];
  /** The first line that starts in each chunk (a chunk may start with the rest of an open line). */
  private chunkFirstLine: number[] = [];
  private lineChunk = new Uint32Array(4096);
  private lineStart = new Uint32Array(4096);
  private joined = new Map<number, string>();
  /** The last line has no newline yet (the next chunk of its stream may continue it). */
  private open = false;
  lineCount = 0;
  chars = 0;
  lastSeq = 0;
  /** Bumped on every change: views compare it to know they are stale. */
  version = 0;
  readonly stages: StageMark[] = [];
  readonly steps: StepMark[] = [];
  private listeners = new Set<() => void>();

  subscribe(l: () => void): () => void {
    this.listeners.add(l);
    return () => {
      this.listeners.delete(l);
    };
  }

  get chunkCount(): number {
    return this.texts.length;
  }

  chunkText(c: number): string {
    return this.texts[c] ?? '';
  }

  /** The line a character offset of chunk `c` belongs to. */
  lineAt(c: number, offset: number): number {
    const first = this.chunkFirstLine[c] ?? 0;
    const next = this.chunkFirstLine[c + 1] ?? this.lineCount;
    if (first >= next || offset < this.lineStart[first]!) return Math.max(0, first - 1);
    let lo = first;
    let hi = next - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStart[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private pushLine(c: number, start: number): void {
    if (this.lineCount === this.lineChunk.length) {
      const grow = (a: Uint32Array) => {
        const b = new Uint32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.lineChunk = grow(this.lineChunk);
      this.lineStart = grow(this.lineStart);
    }
    this.lineChunk[this.lineCount] = c;
    this.lineStart[this.lineCount] = start;
    this.lineCount++;
  }

  /** A line's text (without its newline). */
  line(i: number): string {
    const j = this.joined.get(i);
    if (j !== undefined) return j;
    const c = this.lineChunk[i]!;
    const text = this.texts[c] ?? '';
    const start = this.lineStart[i]!;
    let end = i + 1 < this.lineCount && this.lineChunk[i + 1] === c ? this.lineStart[i + 1]! : text.length;
    if (text.charCodeAt(end - 1) === 10) end--;
    return text.slice(start, end);
  }

  stream(i: number): StreamName {
    return STREAMS[this.chunkStream[this.lineChunk[i]!]!] ?? 'stdout';
  }

  time(i: number): string {
    return this.chunkTime[this.lineChunk[i]!] ?? '';
  }

  /** Adds a chunk of the stream (in `seq` order; one already held is ignored). */
  append(chunk: LogChunk): void {
    if (chunk.seq <= this.lastSeq) return;
    this.lastSeq = chunk.seq;
    const text = chunk.text;
    const c = this.texts.length;
    const stream = STREAMS.indexOf(chunk.stream);
    this.texts.push(text);
    this.chunkStream.push(stream);
    this.chunkTime.push(chunk.time);
    this.chars += text.length;
    let pos = 0;
    const last = this.lineCount - 1;
    if (this.open && this.chunkStream[this.lineChunk[last]!] === stream) {
      const nl = text.indexOf('\n');
      const end = nl === -1 ? text.length : nl;
      const head = this.line(last);
      if (head.length + end <= MAX_LINE) {
        this.joined.set(last, head + text.slice(0, end));
        pos = nl === -1 ? text.length : nl + 1;
        this.open = nl === -1;
        if (!this.open) this.classify(last);
      } else {
        this.classify(last);
      }
    } else if (this.open) {
      this.classify(last);
    }
    this.chunkFirstLine.push(this.lineCount);
    if (pos < text.length) this.open = false;
    while (pos < text.length) {
      const nl = text.indexOf('\n', pos);
      const end = nl === -1 ? text.length : nl;
      this.pushLine(c, pos);
      if (end - pos > MAX_LINE) {
        pos += MAX_LINE;
        continue;
      }
      if (nl === -1) {
        this.open = true;
        break;
      }
      if (stream === 2) this.classify(this.lineCount - 1, text.slice(pos, end));
      pos = nl + 1;
    }
    this.changed();
  }

  /** The log is complete: its last line, if unfinished, is read as a whole line. */
  finish(): void {
    if (this.open && this.lineCount > 0) this.classify(this.lineCount - 1);
    this.open = false;
    this.changed();
  }

  private changed(): void {
    this.version++;
    for (const l of this.listeners) l();
  }

  /** Reads the markers of system lines: stages, steps and step-cache hits. */
  private classify(i: number, line?: string): void {
    if (this.stream(i) !== 'system') return;
    const text = line ?? this.line(i);
    if (text.startsWith('[')) {
      const m = STAGE_RE.exec(text);
      if (m) this.stages.push({ stage: m[1]!, message: m[2]!, line: i, time: this.time(i) });
    } else if (text.startsWith('--> ')) {
      const m = STEP_RE.exec(text);
      const stage = this.stages[this.stages.length - 1]?.stage ?? 'BUILDING';
      if (m) this.steps.push({ where: m[1]!, what: m[2]!, line: i, time: this.time(i), stage, cached: false });
    } else if (text.startsWith(CACHED_PREFIX)) {
      const step = this.steps[this.steps.length - 1];
      if (step) step.cached = true;
    }
  }
}
