// Records as the engine hands them to the session store (frames with real wire bytes, messages, a
// connection summary), for the store tests and the child process of the crash test.
import type { ConnectionSummary, Direction, Micros } from '../../shared/api.ts';
import type { FrameRecord, MessageRecord } from '../../electron/core/store/records.ts';

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export interface FrameInit {
  time: Micros;
  dir?: Direction;
  opcode?: number;
  fin?: boolean;
  payload?: Uint8Array | string;
  maskKey?: Uint8Array | null;
  textual?: boolean;
  compressed?: boolean;
  rsv?: number;
  error?: FrameRecord['error'];
  flags?: number;
  rules?: readonly string[];
  original?: Uint8Array;
  heldMs?: number;
}

/** A frame record whose wire bytes are the frame as RFC 6455 §5.2 encodes it (masked when a key is given). */
export function frameRecord(init: FrameInit): FrameRecord {
  const payload = typeof init.payload === 'string' ? utf8(init.payload) : init.payload ?? new Uint8Array(0);
  const opcode = init.opcode ?? 1;
  const fin = init.fin ?? true;
  const rsv = init.rsv ?? 0;
  const maskKey = init.maskKey ?? null;
  const n = payload.length;
  const masked = maskKey === null ? 0 : 0x80;
  const length = n < 126 ? [masked | n] : n < 0x10000 ? [masked | 126, n >> 8, n & 0xff] : [masked | 127, 0, 0, 0, 0, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  const header = Uint8Array.from([(fin ? 0x80 : 0) | (rsv << 4) | opcode, ...length, ...(maskKey ?? [])]);
  const wire = new Uint8Array(header.length + n);
  wire.set(header);
  for (let i = 0; i < n; i++) wire[header.length + i] = maskKey === null ? payload[i]! : payload[i]! ^ maskKey[i % 4]!;
  return {
    kind: init.error ? 'error' : 'frame',
    dir: init.dir ?? 'out',
    time: init.time,
    opcode,
    fin,
    rsv,
    maskKey,
    payloadLength: n,
    headerLength: header.length,
    nonMinimalLength: false,
    wire,
    payload,
    compressed: init.compressed ?? false,
    textual: init.textual ?? (opcode === 1 || opcode === 0),
    error: init.error ?? null,
    flags: init.flags ?? 0,
    ...(init.rules ? { rules: init.rules } : {}),
    ...(init.original ? { original: init.original } : {}),
    ...(init.heldMs !== undefined ? { heldMs: init.heldMs } : {}),
  };
}

export function messageRecord(time: Micros, dir: Direction, data: Uint8Array | string, opcode = 1, extra: Pick<MessageRecord, 'flags' | 'rules'> = {}): MessageRecord {
  return { kind: 'message', dir, time, opcode, data: typeof data === 'string' ? utf8(data) : data, compressed: false, flags: 0, ...extra };
}

/** A closed client connection's summary, as the engine saves it. */
export function connectionSummary(id: number, url = `ws://127.0.0.1:1/${id}`): ConnectionSummary {
  return {
    id, origin: 'client', proxied: null, url, label: null, state: 'closed', createdAt: 1, openedAt: 2, endedAt: 3, attempt: 1,
    reconnectAt: null, protocol: null, extensions: null, framesIn: 0, framesOut: 0, messagesIn: 0, messagesOut: 0, bytesIn: 0,
    bytesOut: 0, frameRows: 0, messageRows: 0, handshake: null, close: null, error: null, options: { url }, live: false, replayOf: null,
  };
}
