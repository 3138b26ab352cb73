// Case runner for the conformance suite: opens a Connection in either role, writes the peer's frames
// (masked as that peer must, or wrongly on purpose), feeds them in chops, and decodes what our side
// wrote back. Frames are encoded and decoded here, not by the core, so the core never vouches for itself.

import { isUtf8 } from 'node:buffer';
import { expect } from 'vitest';
import {
  Connection, Opcode,
  type ConnectionEvent, type ConnectionOptions, type DeflateParams, type Frame, type MessageEvent, type ProtocolError, type WsErrorCode,
} from '../../electron/core/protocol/index.ts';
import type { FrameHeaderFields } from '../../electron/core/protocol/index.ts';
import { hex, pattern, toHex } from '../support/bytes.ts';

export type Role = 'client' | 'server';

/** Our Connection's role; the peer is the other one. */
export const ROLES: readonly Role[] = ['server', 'client'];

export { hex, Opcode, toHex };

export function utf8(s: string): Uint8Array {
  return Buffer.from(s, 'utf8');
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

/** Byte equality that prints a short diff position instead of dumping megabytes on failure. */
export function expectBytes(actual: Uint8Array | null | undefined, expected: Uint8Array): void {
  expect(actual, 'bytes are missing').toBeInstanceOf(Uint8Array);
  const a = actual!;
  if (a.length === expected.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(expected)) return;
  let i = 0;
  while (i < a.length && i < expected.length && a[i] === expected[i]) i++;
  expect.fail(`bytes differ: length ${a.length} vs ${expected.length}, first difference at ${i}`);
}

/** `n` bytes of UTF-8 text mixing 1-, 2- and 3-byte characters, so chops and fragments split sequences. */
export function textOfSize(n: number): Uint8Array {
  const unit = utf8('Hello κόσμε — ✓ ');
  const out = Buffer.alloc(n, 0x2a);
  for (let off = 0; off + unit.length <= n; off += unit.length) out.set(unit, off);
  return out;
}

/** `n` deterministic bytes covering every value from 00 to ff. */
export function binaryOfSize(n: number, seed = 1): Uint8Array {
  return pattern(n, seed);
}

// ---------------------------------------------------------------- the peer's frames

export interface RawFrameSpec {
  readonly opcode: number;
  readonly payload?: Uint8Array | string;
  readonly fin?: boolean;
  readonly rsv1?: boolean;
  readonly rsv2?: boolean;
  readonly rsv3?: boolean;
  /** A masking key, or null for an unmasked frame. */
  readonly mask: Uint8Array | null;
  /** Force a longer length form than the payload needs (RFC 6455 §5.2 asks for the shortest). */
  readonly lengthForm?: 7 | 16 | 64;
}

/** RFC 6455 §5.2 frame bytes, written byte by byte (independent of the core's encoder). */
export function rawFrame(spec: RawFrameSpec): Uint8Array {
  const payload = typeof spec.payload === 'string' ? utf8(spec.payload) : spec.payload ?? new Uint8Array(0);
  const len = payload.length;
  const form = spec.lengthForm ?? (len < 126 ? 7 : len < 0x10000 ? 16 : 64);
  const head: number[] = [
    ((spec.fin ?? true) ? 0x80 : 0) | (spec.rsv1 ? 0x40 : 0) | (spec.rsv2 ? 0x20 : 0) | (spec.rsv3 ? 0x10 : 0) | (spec.opcode & 0x0f),
  ];
  const maskBit = spec.mask ? 0x80 : 0;
  if (form === 7) head.push(maskBit | len);
  else if (form === 16) head.push(maskBit | 126, len >>> 8, len & 0xff);
  else head.push(maskBit | 127, 0, 0, 0, 0, (len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
  const key = spec.mask;
  if (key) head.push(key[0]!, key[1]!, key[2]!, key[3]!);
  const out = Buffer.allocUnsafe(head.length + len);
  out.set(head, 0);
  const start = head.length;
  if (key) for (let i = 0; i < len; i++) out[start + i] = payload[i]! ^ key[i & 3]!;
  else out.set(payload, start);
  return out;
}

let keyState = 0x2545f491;

/** Keys that change frame to frame and have no zero byte, so a decoder that skips or reuses a key shows it. */
export function nextMaskKey(): Uint8Array {
  keyState = (Math.imul(keyState, 1103515245) + 12345) >>> 0;
  const key = Buffer.allocUnsafe(4);
  key.writeUInt32BE((keyState | 0x01010101) >>> 0);
  return key;
}

export type PeerFrameSpec = Omit<RawFrameSpec, 'mask'>;

/** The other end of our Connection: masks when it is a client (our role server), never when a server. */
export class Peer {
  readonly ours: Role;

  constructor(ours: Role) {
    this.ours = ours;
  }

  /** RFC 6455 §5.1: a client masks every frame, a server none. */
  get masks(): boolean {
    return this.ours === 'server';
  }

  frame(spec: PeerFrameSpec): Uint8Array {
    return rawFrame({ ...spec, mask: this.masks ? nextMaskKey() : null });
  }

  /** The same frame with the masking the peer must NOT use. */
  wronglyMasked(spec: PeerFrameSpec): Uint8Array {
    return rawFrame({ ...spec, mask: this.masks ? null : nextMaskKey() });
  }

  text(payload: Uint8Array | string, fin = true): Uint8Array {
    return this.frame({ opcode: Opcode.TEXT, payload, fin });
  }

  binary(payload: Uint8Array, fin = true): Uint8Array {
    return this.frame({ opcode: Opcode.BINARY, payload, fin });
  }

  continuation(payload: Uint8Array | string, fin = true): Uint8Array {
    return this.frame({ opcode: Opcode.CONTINUATION, payload, fin });
  }

  ping(payload: Uint8Array | string = ''): Uint8Array {
    return this.frame({ opcode: Opcode.PING, payload });
  }

  pong(payload: Uint8Array | string = ''): Uint8Array {
    return this.frame({ opcode: Opcode.PONG, payload });
  }

  close(code?: number, reason: Uint8Array | string = ''): Uint8Array {
    return this.frame({ opcode: Opcode.CLOSE, payload: code === undefined ? '' : closePayload(code, reason) });
  }

  /** A message cut into frames of `size` payload bytes: the first with `opcode`, the rest continuations. */
  fragments(opcode: number, payload: Uint8Array, size: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    let off = 0;
    do {
      const end = Math.min(off + size, payload.length);
      out.push(this.frame({ opcode: off === 0 ? opcode : Opcode.CONTINUATION, payload: payload.subarray(off, end), fin: end === payload.length }));
      off = end;
    } while (off < payload.length);
    return out;
  }
}

export function closePayload(code: number, reason: Uint8Array | string = ''): Uint8Array {
  const r = typeof reason === 'string' ? utf8(reason) : reason;
  const out = Buffer.allocUnsafe(2 + r.length);
  out.writeUInt16BE(code, 0);
  out.set(r, 2);
  return out;
}

// ---------------------------------------------------------------- our side

export interface CaseOptions extends Omit<ConnectionOptions, 'role' | 'open'> {
  /** The permessage-deflate parameters the connection opens with (as if negotiated). */
  readonly deflate?: DeflateParams | null;
}

export function openConnection(role: Role, opts: CaseOptions = {}): Connection {
  const { deflate = null, ...rest } = opts;
  return new Connection({ ...rest, role, open: { deflate } });
}

export interface Delivery {
  /** What each receive() call returned, in call order. */
  readonly calls: ConnectionEvent[][];
  readonly events: ConnectionEvent[];
}

/** Feeds each piece in its own receive() call; with `chop`, pieces are joined and cut every `chop` bytes. */
export function feed(conn: Connection, pieces: Uint8Array | readonly Uint8Array[], chop?: number): Delivery {
  let list = pieces instanceof Uint8Array ? [pieces] : pieces;
  if (chop !== undefined) {
    const all = concat(list);
    const cut: Uint8Array[] = [];
    for (let off = 0; off < all.length; off += chop) cut.push(all.subarray(off, off + chop));
    list = cut;
  }
  const calls: ConnectionEvent[][] = [];
  // Kept as returned: each receive() call hands back a fresh array (1.3.7 checks that).
  for (const piece of list) calls.push(conn.receive(piece));
  return { calls, events: calls.flat() };
}

/** A frame as this harness decodes it by itself (only the field types are shared with the core). */
export interface DecodedFrame extends Omit<FrameHeaderFields, 'payloadLength'> {
  readonly payload: Uint8Array;
}

/**
 * Splits bytes our side wrote into frames. Fails when a frame's masking is not what `role` must use
 * (RFC 6455 §5.1), when a control frame breaks §5.5, or when bytes are left over.
 */
export function decodeFrames(bytes: Uint8Array, role: Role): DecodedFrame[] {
  const out: DecodedFrame[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    expect(bytes.length - pos, 'a truncated frame header').toBeGreaterThanOrEqual(2);
    const b0 = bytes[pos]!;
    const b1 = bytes[pos + 1]!;
    pos += 2;
    let len = b1 & 0x7f;
    if (len === 126) {
      len = (bytes[pos]! << 8) | bytes[pos + 1]!;
      pos += 2;
    } else if (len === 127) {
      const view = Buffer.from(bytes.buffer, bytes.byteOffset + pos, 8);
      len = view.readUInt32BE(0) * 0x100000000 + view.readUInt32BE(4);
      pos += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    expect(masked, `a ${role} must ${role === 'client' ? '' : 'not '}mask its frames`).toBe(role === 'client');
    const key = masked ? bytes.subarray(pos, pos + 4) : null;
    if (key) pos += 4;
    expect(bytes.length - pos, 'a truncated frame payload').toBeGreaterThanOrEqual(len);
    const payload = Buffer.from(bytes.subarray(pos, pos + len));
    if (key) for (let i = 0; i < len; i++) payload[i] = payload[i]! ^ key[i & 3]!;
    pos += len;
    const opcode = b0 & 0x0f;
    const fin = (b0 & 0x80) !== 0;
    if (opcode & 0x08) {
      expect(fin, 'control frames are never fragmented').toBe(true);
      expect(len, 'control frames carry at most 125 bytes').toBeLessThanOrEqual(125);
    }
    out.push({ fin, rsv1: (b0 & 0x40) !== 0, rsv2: (b0 & 0x20) !== 0, rsv3: (b0 & 0x10) !== 0, opcode, masked, payload });
  }
  return out;
}

/** Drains what `conn` wrote on its own and decodes it. */
export function sentFrames(conn: Connection): DecodedFrame[] {
  return decodeFrames(concat(conn.dataToSend()), conn.role);
}

export interface CaseResult extends Delivery {
  readonly role: Role;
  readonly conn: Connection;
  /** Frames our side wrote on its own while the bytes were fed (pongs, close replies, failure closes). */
  readonly sent: DecodedFrame[];
}

/** Opens a connection in `role`, feeds it `pieces` (optionally chopped) and collects everything. */
export function runCase(role: Role, pieces: Uint8Array | readonly Uint8Array[], opts: CaseOptions & { chop?: number } = {}): CaseResult {
  const { chop, ...connOpts } = opts;
  const conn = openConnection(role, connOpts);
  const delivery = feed(conn, pieces, chop);
  return { ...delivery, role, conn, sent: sentFrames(conn) };
}

/**
 * Each piece in its own receive() call (frame-wise when pieces are frames), everything in one call,
 * one byte per call, and an odd chop that splits headers and payloads at changing offsets.
 */
export const CHOPS: readonly (number | undefined)[] = [undefined, Infinity, 1, 7];

/** Runs the case once per chop size; the checks must hold however the bytes were cut. */
export function runChopped(
  role: Role,
  pieces: Uint8Array | readonly Uint8Array[],
  check: (r: CaseResult) => void,
  opts: CaseOptions & { chops?: readonly (number | undefined)[] } = {},
): void {
  const { chops = CHOPS, ...rest } = opts;
  for (const chop of chops) {
    const r = chop === undefined ? runCase(role, pieces, rest) : runCase(role, pieces, { ...rest, chop });
    check(r);
  }
}

// ---------------------------------------------------------------- reading events

/** One line per event, naming only what a case asserts on, so a sequence reads like a transcript. */
export function summarize(events: readonly ConnectionEvent[]): string[] {
  return events.map((e) => {
    switch (e.type) {
      case 'frame':
        return `frame ${opName(e.opcode)} ${e.fin ? 'fin' : 'more'}${e.rsv1 ? ' rsv1' : ''} ${e.payloadLength}`;
      case 'message':
        return `message ${e.opcode === Opcode.TEXT ? 'text' : 'binary'} ${e.data.length}`;
      case 'ping':
      case 'pong':
        return `${e.type} ${e.data.length}`;
      case 'close':
        return `close ${e.code ?? 'none'}`;
      case 'closed':
        return `closed ${e.code} ${e.by}${e.clean ? ' clean' : ''}`;
      case 'error':
        return `error ${e.code} ${e.closeCode}`;
      default:
        return e.type;
    }
  });
}

function opName(opcode: number): string {
  const names: Record<number, string> = { 0: 'continuation', 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };
  return names[opcode] ?? `0x${opcode.toString(16)}`;
}

export function framesOf(events: readonly ConnectionEvent[]): Frame[] {
  return events.filter((e): e is Frame => e.type === 'frame');
}

export function messagesOf(events: readonly ConnectionEvent[]): MessageEvent[] {
  return events.filter((e): e is MessageEvent => e.type === 'message');
}

export function errorsOf(events: readonly ConnectionEvent[]): ProtocolError[] {
  return events.filter((e): e is ProtocolError => e.type === 'error');
}

export function closeCodeOf(frame: DecodedFrame | undefined): number | null {
  if (!frame || frame.payload.length < 2) return null;
  return (frame.payload[0]! << 8) | frame.payload[1]!;
}

/**
 * The connection was failed (RFC 6455 §7.1.7) for exactly this reason: one error event, then
 * CLOSED; the only close frame written is the last frame and carries the close code; nothing
 * after the failure is read any more.
 */
export function expectFailed(r: CaseResult, code: WsErrorCode, closeCode: number): ProtocolError {
  const s = summarize(r.events);
  expect(s.slice(-2)).toEqual([`error ${code} ${closeCode}`, `closed ${closeCode} local`]);
  const errors = errorsOf(r.events);
  expect(errors).toHaveLength(1);
  expect(errors[0]!.reason, 'the error says what was wrong').not.toBe('');
  expect(r.conn.state).toBe('CLOSED');
  const closes = r.sent.filter((f) => f.opcode === Opcode.CLOSE);
  expect(closes).toHaveLength(1);
  expect(r.sent.at(-1)?.opcode).toBe(Opcode.CLOSE);
  expect(closeCodeOf(r.sent.at(-1))).toBe(closeCode);
  expect(isUtf8(r.sent.at(-1)!.payload.subarray(2)), 'the close reason is UTF-8').toBe(true);
  const after = r.conn.receive(new Peer(r.role).ping('after the failure'));
  expect(summarize(after), 'nothing is read after the connection failed').toEqual([]);
  expect(r.conn.dataToSend()).toEqual([]);
  return errors[0]!;
}

/** Nothing went wrong and nothing was written: the connection is still OPEN. */
export function expectQuietOpen(r: CaseResult): void {
  expect(errorsOf(r.events)).toEqual([]);
  expect(r.sent).toEqual([]);
  expect(r.conn.state).toBe('OPEN');
}
