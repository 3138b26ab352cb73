// The benchmark cases: identical inputs fed to our protocol core and to ws's Receiver/Sender.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Connection, encodeFrame, Opcode, type ConnectionEvent } from '../electron/core/protocol/index.ts';

const require = createRequire(import.meta.url);
// ws's "exports" map hides lib/, so its files are loaded by path (the same modules ws itself uses).
const wsDir = dirname(require.resolve('ws/package.json'));

interface WsReceiver {
  write(chunk: Buffer): boolean;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}
interface WsFrameOptions { fin: boolean; mask: boolean; opcode: number; readOnly: boolean; rsv1: boolean }
const Receiver = require(join(wsDir, 'lib/receiver.js')) as new (opts: object) => WsReceiver;
const Sender = require(join(wsDir, 'lib/sender.js')) as { frame(data: Buffer, opts: WsFrameOptions): Buffer[] };

/** One side of a case. `prepare` runs outside the timed region; `run` returns the operations it did. */
export interface Impl {
  readonly label: string;
  prepare(): void;
  run(): number;
}

export interface Case {
  readonly name: string;
  /** Payload bytes per operation (one message parsed, or one frame encoded). */
  readonly bytesPerOp: number;
  /** Minimum ours/ws ratio we aim for. */
  readonly target: number;
  readonly ours: Impl;
  readonly ws: Impl;
  /** Throws unless both sides produce the expected bytes; run once before timing. */
  verify(): void;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const CHUNK = 64 * KiB;
/** Small messages are concatenated up to about this much wire data per iteration. */
const SMALL_STREAM_BYTES = 1 * MiB;
/** Encode iterations do about this many payload bytes per timed call, so the timer's cost is noise. */
const ENCODE_BATCH_BYTES = 1 * MiB;

// ---------------------------------------------------------------- payloads

/** Deterministic PRNG (mulberry32), so every run parses the same bytes. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Mostly ASCII with 2- and 3-byte characters, like real JSON traffic, so validation is not all fast path.
const TEXT_SAMPLE = Buffer.from('{"id":1234,"user":"Zoë","msg":"héllo wörld, 5 € — ok","tags":["a","b"]} ');

function textPayload(size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i += TEXT_SAMPLE.length) TEXT_SAMPLE.copy(out, i, 0, Math.min(TEXT_SAMPLE.length, size - i));
  // The cut may split a multi-byte character: replace its leading bytes with spaces.
  let i = size - 1;
  while (i >= 0 && (out[i]! & 0xc0) === 0x80) i--;
  if (i >= 0 && out[i]! >= 0xc0) out.fill(0x20, i);
  return out;
}

function binaryPayload(size: number, seed: number): Buffer {
  const rand = prng(seed);
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) out[i] = (rand() * 256) | 0;
  return out;
}

function payload(opcode: number, size: number): Buffer {
  return opcode === Opcode.TEXT ? textPayload(size) : binaryPayload(size, size);
}

// ---------------------------------------------------------------- parse

/** Client-to-server wire bytes, cut into socket-sized chunks; `work` is what the parsers get. */
interface Stream {
  readonly pristine: Buffer;
  readonly work: Buffer;
  readonly chunks: Buffer[];
  readonly messages: Buffer[];
}

function buildStream(messages: Buffer[], opcode: number, fragmentSize: number): Stream {
  const rand = prng(7);
  const frames: Uint8Array[] = [];
  for (const msg of messages) {
    for (let off = 0; off === 0 || off < msg.length; off += fragmentSize) {
      const end = Math.min(off + fragmentSize, msg.length);
      // Never an all-zero key: ws skips unmasking for it, which would favour ws.
      const mask = Buffer.from([1 + ((rand() * 255) | 0), rand() * 256, rand() * 256, rand() * 256]);
      frames.push(encodeFrame({ opcode: off === 0 ? opcode : Opcode.CONTINUATION, fin: end === msg.length, payload: msg.subarray(off, end), mask }));
    }
  }
  const pristine = Buffer.concat(frames);
  const work = Buffer.from(pristine);
  const chunks: Buffer[] = [];
  for (let off = 0; off < work.length; off += CHUNK) chunks.push(work.subarray(off, Math.min(off + CHUNK, work.length)));
  return { pristine, work, chunks, messages };
}

// ws unmasks in place, so both sides get a fresh copy of the input before every iteration, untimed.
function refresh(s: Stream): void {
  s.pristine.copy(s.work);
}

/**
 * Messages among one chunk's events. A function of its own, called per chunk: with this loop inside
 * `run`, V8 sometimes optimised `run` on stack mid-loop and then deoptimised it on every call (no type
 * feedback for the code after the loop), halving the measured rate for small frames in some processes.
 */
function countMessages(events: readonly ConnectionEvent[], collect?: Buffer[]): number {
  let n = 0;
  for (const ev of events) {
    if (ev.type === 'message') {
      n++;
      collect?.push(Buffer.from(ev.data));
    } else if (ev.type === 'error') {
      throw new Error(`ours failed: ${ev.code} ${ev.reason}`);
    }
  }
  return n;
}

function oursReceiver(s: Stream, collect?: Buffer[]): Impl {
  const conn = new Connection({ role: 'server', open: {} });
  return {
    label: 'Connection.receive',
    prepare: () => refresh(s),
    run: () => {
      let n = 0;
      for (const chunk of s.chunks) n += countMessages(conn.receive(chunk), collect);
      if (n !== s.messages.length) throw new Error(`ours parsed ${n} of ${s.messages.length} messages`);
      return n;
    },
  };
}

function wsReceiver(s: Stream, collect?: Buffer[]): Impl {
  const receiver = new Receiver({ isServer: true, binaryType: 'nodebuffer', skipUTF8Validation: false });
  let n = 0;
  let failure: Error | null = null;
  receiver.on('message', (data) => {
    n++;
    collect?.push(Buffer.from(data));
  });
  receiver.on('error', (err) => {
    failure = err;
  });
  return {
    label: 'Receiver.write',
    prepare: () => refresh(s),
    run: () => {
      n = 0;
      for (const chunk of s.chunks) receiver.write(chunk);
      if (failure) throw failure;
      if (n !== s.messages.length) throw new Error(`ws parsed ${n} of ${s.messages.length} messages`);
      return n;
    },
  };
}

function verifyStream(s: Stream): void {
  for (const [who, make] of [['ours', oursReceiver], ['ws', wsReceiver]] as const) {
    const got: Buffer[] = [];
    const impl = make(s, got);
    impl.prepare();
    impl.run();
    got.forEach((data, i) => {
      if (!data.equals(s.messages[i]!)) throw new Error(`${who}: message ${i} differs from what was sent`);
    });
  }
}

function parseCase(opcode: number, size: number, fragments = 1): Case {
  const kind = opcode === Opcode.TEXT ? 'text' : 'binary';
  const wireSize = size + (size < 126 ? 6 : size < 0x10000 ? 8 : 14);
  const count = fragments > 1 || size >= 64 * KiB ? Math.max(1, Math.floor(SMALL_STREAM_BYTES / wireSize)) : Math.ceil(SMALL_STREAM_BYTES / wireSize);
  const msg = payload(opcode, size);
  const s = buildStream(Array.from({ length: count }, () => msg), opcode, fragments > 1 ? size / fragments : size);
  const shape = fragments > 1 ? `${fmtSize(size)} in ${fragments} frames` : fmtSize(size);
  return {
    name: `parse ${kind} ${shape}${count > 1 ? ` x${count}` : ''}`,
    bytesPerOp: size,
    target: size <= 125 ? 1.0 : 0.9,
    ours: oursReceiver(s),
    ws: wsReceiver(s),
    verify: () => verifyStream(s),
  };
}

// ---------------------------------------------------------------- encode

function batch(size: number): number {
  return Math.max(4, Math.floor(ENCODE_BATCH_BYTES / size));
}

function encodeLoop(label: string, size: number, encode: () => number): Impl {
  const n = batch(size);
  const wire = size + (size < 126 ? 6 : size < 0x10000 ? 8 : 14);
  return {
    label,
    prepare: () => {},
    run: () => {
      let total = 0;
      for (let i = 0; i < n; i++) total += encode();
      // Checking the output length keeps the work from being optimised away and catches a wrong header.
      if (total !== n * wire) throw new Error(`${label}: encoded ${total} bytes, expected ${n * wire}`);
      return n;
    },
  };
}

type OursEncoder = 'encodeFrame' | 'Connection.send';

function oursEncoder(kind: OursEncoder, data: Buffer): Impl {
  if (kind === 'encodeFrame') return encodeLoop(kind, data.length, () => encodeFrame({ opcode: Opcode.TEXT, payload: data, mask: true }).length);
  const conn = new Connection({ role: 'client', open: {} });
  return encodeLoop(kind, data.length, () => conn.send({ type: 'text', data }).length);
}

function wsFrameOptions(readOnly: boolean): WsFrameOptions {
  return { fin: true, mask: true, opcode: Opcode.TEXT, readOnly, rsv1: false };
}

function wsEncoder(readOnly: boolean, data: Buffer): Impl {
  const opts = wsFrameOptions(readOnly);
  return encodeLoop(`Sender.frame readOnly:${readOnly}`, data.length, () => {
    const list = Sender.frame(data, opts);
    let len = 0;
    for (const b of list) len += b.length;
    return len;
  });
}

/** Both encoders' output, parsed back by a server Connection, must carry the payload. */
function verifyEncode(kind: OursEncoder, readOnly: boolean, size: number): void {
  const outputs = [
    ['ours', kind === 'encodeFrame'
      ? encodeFrame({ opcode: Opcode.TEXT, payload: textPayload(size), mask: true })
      : new Connection({ role: 'client', open: {} }).send({ type: 'text', data: textPayload(size) })],
    ['ws', Buffer.concat(Sender.frame(textPayload(size), wsFrameOptions(readOnly)))],
  ] as const;
  for (const [who, wire] of outputs) {
    const events = new Connection({ role: 'server', open: {} }).receive(wire);
    const msg = events.find((e) => e.type === 'message');
    if (!msg || !Buffer.from(msg.data).equals(textPayload(size))) throw new Error(`${who} encoder: the frame does not carry the payload`);
  }
}

function encodeCase(kind: OursEncoder, readOnly: boolean, size: number): Case {
  // ws with readOnly:false masks the caller's buffer in place and returns [header, payload]; with
  // readOnly:true it copies into one buffer, which is the work encodeFrame always does.
  const data = textPayload(size);
  const wsData = Buffer.from(data);
  return {
    name: `encode ${fmtSize(size)}: ${kind} vs ro:${readOnly}`,
    bytesPerOp: size,
    target: size <= 125 ? 1.0 : 0.9,
    ours: oursEncoder(kind, data),
    ws: wsEncoder(readOnly, wsData),
    verify: () => verifyEncode(kind, readOnly, size),
  };
}

// ---------------------------------------------------------------- the list

export function fmtSize(n: number): string {
  return n >= MiB ? `${n / MiB} MiB` : n >= KiB ? `${n / KiB} KiB` : `${n} B`;
}

export function buildCases(): Case[] {
  const cases: Case[] = [];
  for (const opcode of [Opcode.TEXT, Opcode.BINARY]) {
    for (const size of [20, 125, 64 * KiB, 1 * MiB]) cases.push(parseCase(opcode, size));
    cases.push(parseCase(opcode, 4 * MiB, 64));
  }
  for (const size of [20, 125, 64 * KiB, 1 * MiB]) {
    cases.push(encodeCase('encodeFrame', false, size));
    cases.push(encodeCase('Connection.send', false, size));
    cases.push(encodeCase('encodeFrame', true, size));
  }
  return cases;
}

/** Which optional native helpers ws picked up, found the way ws itself looks for them. */
export function wsBackends(): { version: string; mask: string; utf8: string } {
  const version = (require('ws/package.json') as { version: string }).version;
  const has = (name: string): boolean => {
    try {
      require.resolve(name, { paths: [wsDir] });
      return true;
    } catch {
      return false;
    }
  };
  const http = require('node:http') as { websocketMask?: unknown };
  const buffer = require('node:buffer') as { isUtf8?: unknown };
  const mask = typeof http.websocketMask === 'function'
    ? 'http.websocketMask (native)'
    : has('bufferutil') ? 'bufferutil (native addon)' : 'JS loop (bufferutil not installed)';
  const utf8 = typeof buffer.isUtf8 === 'function'
    ? `buffer.isUtf8 (native, JS loop under 24 B; utf-8-validate ${has('utf-8-validate') ? 'installed but unused' : 'not installed'})`
    : has('utf-8-validate') ? 'utf-8-validate (native addon)' : 'JS loop';
  return { version, mask, utf8 };
}
