/**
 * The frames Kiln's test agent (kiln-test-agent.pl, inside a VM booted from the image) and the
 * host exchange over the virtio-serial port `io.kiln.agent`. A frame is a 9-byte header —
 * type (one ASCII letter), request id (u32 big-endian), payload length (u32 big-endian) — and
 * the payload. The guest runs the tenant's code, so everything it sends is checked here: a
 * frame type the host does not expect, a payload over `MAX_GUEST_PAYLOAD`, a request id that is
 * not the running one or a malformed exit status is an `AgentProtocolError`, and the VM is killed.
 */

/** Host → guest: run a command, feed its stdin (an empty payload ends it), kill its process group. */
export type HostFrameType = 'R' | 'I' | 'K';
/** Guest → host: hello, stdout bytes, stderr bytes, exit status, unknown user or group, heartbeat (while a command runs). */
export type GuestFrameType = 'H' | 'O' | 'E' | 'X' | 'U' | 'B';

export interface Frame<T extends string> {
  type: T;
  id: number;
  payload: Buffer;
}

export const HEADER_BYTES = 9;
/** The largest payload a guest frame may carry (the agent sends at most 16 KiB of output at a time). */
export const MAX_GUEST_PAYLOAD = 64 * 1024;
/** Payloads of the frames that carry no output (hello, exit, unknown user) are short. */
const MAX_SHORT_PAYLOAD = 512;
/** The most a stdin frame carries (the agent holds at most 4 MiB of pending stdin). */
export const STDIN_CHUNK = 64 * 1024;

const GUEST_TYPES = new Set<string>(['H', 'O', 'E', 'X', 'U', 'B']);

/** The guest broke the protocol: the host stops trusting the VM and kills it. */
export class AgentProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentProtocolError';
  }
}

export function encodeFrame(type: HostFrameType, id: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(type, 0, 'latin1');
  header.writeUInt32BE(id, 1);
  header.writeUInt32BE(payload.length, 5);
  return Buffer.concat([header, payload]);
}

/** What a run request carries (the agent adds PATH and HOME when `env` has none, as the runc driver does). */
export interface RunRequest {
  argv: string[];
  env: string[];
  cwd: string;
  user: string;
  stdin: boolean;
}

/** `user\0cwd\0stdin\0argc\0argv…\0env…`: NUL cannot occur inside an argument, a variable or a path. */
export function encodeRunRequest(req: RunRequest): Buffer {
  const fields = [req.user, req.cwd, req.stdin ? '1' : '0', String(req.argv.length), ...req.argv, ...req.env];
  if (req.argv.length === 0) throw new Error('a command needs an argv[0]');
  if (fields.some((f) => f.includes('\0'))) throw new Error('a command, variable, user or directory holds a NUL byte, which no process can receive');
  return Buffer.from(fields.join('\0'), 'utf8');
}

/** An `X` frame's payload: `exit N` (0-255) or `signal N` (1-64) → the exit code the runc driver would give (128 + signal). */
export function parseExit(payload: Buffer): number {
  const m = /^(exit|signal) (\d{1,3})$/.exec(payload.toString('latin1'));
  const n = m ? Number(m[2]) : Number.NaN;
  if (!m || (m[1] === 'exit' ? n > 255 : n < 1 || n > 64)) throw new AgentProtocolError(`the agent sent a malformed exit status (${JSON.stringify(payload.subarray(0, 40).toString('latin1'))})`);
  return m[1] === 'exit' ? n : 128 + n;
}

/** A `U` frame's payload: `user NAME` or `group NAME`. */
export function parseUnknownUser(payload: Buffer): { what: 'user' | 'group'; name: string } {
  const m = /^(user|group) (.+)$/s.exec(payload.toString('utf8'));
  if (!m) throw new AgentProtocolError('the agent sent a malformed unknown-user answer');
  return { what: m[1] as 'user' | 'group', name: m[2]! };
}

/**
 * Cuts the guest's byte stream into frames. Holds at most one frame (header + the largest
 * payload) of unparsed bytes; throws `AgentProtocolError` at the first frame the guest may not
 * send, before its payload is buffered.
 */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame<GuestFrameType>[] {
    const frames: Frame<GuestFrameType>[] = [];
    let buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (buf.length >= HEADER_BYTES) {
      const type = String.fromCharCode(buf[0]!);
      const id = buf.readUInt32BE(1);
      const length = buf.readUInt32BE(5);
      if (!GUEST_TYPES.has(type)) throw new AgentProtocolError(`the agent sent a frame of unknown type 0x${buf[0]!.toString(16).padStart(2, '0')}`);
      const max = type === 'O' || type === 'E' ? MAX_GUEST_PAYLOAD : MAX_SHORT_PAYLOAD;
      if (length > max) throw new AgentProtocolError(`the agent sent a ${type} frame of ${length} bytes (at most ${max})`);
      if (buf.length < HEADER_BYTES + length) break;
      frames.push({ type: type as GuestFrameType, id, payload: Buffer.from(buf.subarray(HEADER_BYTES, HEADER_BYTES + length)) });
      buf = buf.subarray(HEADER_BYTES + length);
    }
    this.pending = Buffer.from(buf);
    return frames;
  }
}
