// One direction of a proxied connection (DESIGN.md, "A proxied connection"): bytes from one peer go
// through a protocol parser, each frame is recorded, rules and the intercept decide its fate, and
// it goes to the other peer as its original wire bytes unless something changed it. Holding a frame
// holds the frames behind it (order is kept) and nothing in the other direction.
import type { Socket } from 'node:net';
import { FrameFlag, type Micros, type ProxyDirection } from '../../../shared/api.ts';
import type { HoldDecision, HeldDescription } from '../intercept/hold-queue.ts';
import type { RuleOutcome, RuleSet } from '../intercept/rules.ts';
import {
  Connection, keyFrom, Opcode, randomMask, writeFrame,
  type DeflateParams, type Frame, type MessageEvent, type ProtocolError,
} from '../protocol/index.ts';
import { FrameRecorder } from '../store/frame-records.ts';
import type { FrameRecord, MessageRecord } from '../store/records.ts';
import { DirectionCodec } from './direction-codec.ts';

/** What the pipe needs from its connection. */
export interface PipeHost {
  readonly url: string;
  readonly host: string;
  now(): Micros;
  /** The intercept as it stands now, for this direction. */
  intercept(direction: ProxyDirection): { holdData: boolean; holdControl: boolean; rules: RuleSet };
  hold(description: HeldDescription, decide: (d: HoldDecision) => void): void;
  recordFrame(rec: FrameRecord, partOfMessage: boolean): number;
  recordMessage(rec: MessageRecord): void;
  /** The proxy's own keepalive pong: swallowed, never shown to the app. */
  isKeepalivePong(payload: Uint8Array): boolean;
  /** A close frame went through (or was written by the proxy) toward the receiver. */
  closeForwarded(direction: ProxyDirection, code: number | null, reason: string): void;
  /** The sender broke RFC 6455; the connection must be failed. */
  protocolError(direction: ProxyDirection, err: ProtocolError): void;
  /** The sender's stream ended and everything before it was written. */
  drained(direction: ProxyDirection): void;
  /** The recording is far behind on disk: stop reading until `whenRecordingCaughtUp` calls back. */
  recordingBehind(): boolean;
  whenRecordingCaughtUp(resume: () => void): void;
}

/** A frame, or a whole data message, on its way through the pipe. */
interface Unit {
  frames: Frame[];
  /** Set on a data message's last frame (streamed) or on a whole buffered message. */
  message: MessageEvent | null;
  /** Streamed: one frame of a message forwarded as it came, no rules or holds. */
  streamed: boolean;
  time: Micros;
  outcome: RuleOutcome | null;
  /** Set once the hold queue decided. */
  decision: HoldDecision | null;
  heldAt: number | null;
  heldMs: number | null;
  delayed: boolean;
}

/**
 * While the pipe waits (a hold, a delay) it goes on reading this much from the sender, so pings and
 * pongs behind the wait can pass; then the sender is paused until the wait ends.
 */
const READ_AHEAD_BYTES = 1024 * 1024;
const decoder = new TextDecoder('utf-8', { fatal: true });

export class DirectionPipe {
  readonly direction: ProxyDirection;
  readonly parser: Connection;
  readonly codec: DirectionCodec;
  private readonly host: PipeHost;
  private readonly source: Socket;
  private readonly dest: Socket;
  private readonly queue: Unit[] = [];
  /** The data message being buffered whole (rules or intercept may apply to it). */
  private building: Unit | null = null;
  /** Waiting on the hold queue or a delay rule. */
  private blocked = false;
  /** Bytes read from the sender since the pipe started waiting. */
  private readAhead = 0;
  private delayTimer: NodeJS.Timeout | null = null;
  private sourceEnded = false;
  private stopped = false;
  /** The last data frame written to the receiver had FIN clear: no other data frame may go now. */
  private wireMidMessage = false;
  private deferred: Array<() => void> = [];
  /** A close frame went to the receiver: data frames behind it are not forwarded. */
  private closeWritten = false;
  /** Consecutive untouched wire bytes from one chunk, written as one piece: `runLength` bytes from `run`'s start. */
  private run: Uint8Array | null = null;
  private runLength = 0;
  /** The last streamed frame went straight out (the queue was empty), so its message is recorded straight away too. */
  private streamedDirect = false;
  private readonly recorder: FrameRecorder;
  private readonly dir: 'in' | 'out';

  constructor(opts: { direction: ProxyDirection; host: PipeHost; source: Socket; dest: Socket; deflate: DeflateParams | null }) {
    this.direction = opts.direction;
    this.host = opts.host;
    this.source = opts.source;
    this.dest = opts.dest;
    // The app's frames are parsed as a server reads them, the server's as a client does. The proxy
    // answers nothing itself: pings and closes go through to the other peer, which answers them.
    this.parser = new Connection({
      role: opts.direction === 'client' ? 'server' : 'client',
      open: { deflate: opts.deflate },
      autoPong: false,
      autoCloseReply: false,
    });
    this.codec = new DirectionCodec(opts.deflate, opts.direction);
    this.dir = opts.direction === 'client' ? 'out' : 'in';
    this.recorder = new FrameRecorder(this.dir);
  }

  /** Not reading: the recording is far behind on disk. */
  private waitingForRecording = false;

  /** True while the pipe has read as far ahead of a hold or delay as it may, or its receiver is slow. */
  get stalled(): boolean {
    return (this.blocked && this.readAhead >= READ_AHEAD_BYTES) || this.dest.writableNeedDrain || this.waitingForRecording;
  }

  /** Bytes from the sender (null: its stream ended). */
  receive(chunk: Uint8Array | null): void {
    if (this.stopped) return;
    if (!this.waitingForRecording && this.host.recordingBehind()) {
      // The disk is far behind: read no more until it catches up (what is in hand is relayed and recorded).
      this.waitingForRecording = true;
      this.source.pause();
      this.host.whenRecordingCaughtUp(() => {
        this.waitingForRecording = false;
        this.resumeSourceIfReady();
      });
    }
    if (chunk === null) {
      this.sourceEnded = true;
    } else if (this.blocked) {
      this.readAhead += chunk.length;
      if (this.readAhead >= READ_AHEAD_BYTES) this.source.pause();
    }
    const time = this.host.now();
    const events = this.parser.receive(chunk);
    for (const ev of events) {
      switch (ev.type) {
        case 'frame':
          this.onFrame(ev, time);
          break;
        case 'message': {
          if (this.building !== null) {
            this.building.message = ev;
            this.queue.push(this.building);
            this.building = null;
          } else if (this.streamedDirect) {
            this.streamedMessage(ev, time);
          } else {
            this.queue[this.queue.length - 1]!.message = ev;
          }
          break;
        }
        case 'error':
          this.stopped = true;
          this.flushRun();
          this.host.protocolError(this.direction, ev);
          return;
        default:
          // ping, pong, close and closed: the frames themselves carry what the pipe needs.
          break;
      }
    }
    this.drain();
  }

  /** Stops forwarding for good (the connection is being torn down). */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.building = null;
    this.deferred = [];
    if (this.delayTimer !== null) clearTimeout(this.delayTimer);
    this.delayTimer = null;
  }

  /**
   * Writes frames the proxy made (inject, keepalive, close) to the receiver. Control frames go at
   * once (RFC 6455 §5.4 lets them sit between fragments); a data message waits for the message on
   * the wire to finish. Returns the timeline rows written, through `done` when deferred.
   */
  writeOwn(build: () => Array<{ rec: FrameRecord; bytes: Uint8Array; partOfMessage: boolean }>, data: boolean, message: MessageRecord | null): number[] {
    const go = (): number[] => {
      this.flushRun();
      const rows: number[] = [];
      for (const { rec, bytes, partOfMessage } of build()) {
        if (rec.opcode === Opcode.CLOSE) this.noteClose(rec.payload);
        this.dest.write(bytes);
        rows.push(this.host.recordFrame(rec, partOfMessage));
      }
      if (message !== null) this.host.recordMessage(message);
      return rows;
    };
    if (data && this.wireMidMessage) {
      this.deferred.push(() => {
        go();
      });
      return [];
    }
    return go();
  }

  /** Frames that would go now: the pipe is not mid-message on the wire. */
  get atMessageBoundary(): boolean {
    return !this.wireMidMessage;
  }

  /** Encodes a frame toward this pipe's receiver: masked toward the server (RFC 6455 §5.1). */
  encode(opcode: number, payload: Uint8Array, fin: boolean, rsv1: boolean): { bytes: Uint8Array; maskKey: Uint8Array | null } {
    const key = this.direction === 'client' ? keyFrom(randomMask) : null;
    const bytes = writeFrame((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode, payload, key);
    return { bytes, maskKey: key === null ? null : Uint8Array.from(key) };
  }

  /** A record for a frame the proxy wrote (`shown` is the payload as the receiver reads it). */
  ownRecord(opcode: number, payload: Uint8Array, shown: Uint8Array, fin: boolean, rsv1: boolean, textual: boolean, flags: number, extra: Partial<FrameRecord> = {}): { rec: FrameRecord; bytes: Uint8Array } {
    const { bytes, maskKey } = this.encode(opcode, payload, fin, rsv1);
    const headerLength = bytes.length - payload.length;
    const rec: FrameRecord = {
      kind: 'frame',
      dir: this.dir,
      time: this.host.now(),
      opcode,
      fin,
      rsv: rsv1 ? 4 : 0,
      maskKey,
      payloadLength: payload.length,
      headerLength,
      nonMinimalLength: false,
      wire: bytes,
      payload: shown,
      compressed: rsv1 || (opcode === Opcode.CONTINUATION && this.recorder.compressedMessage),
      textual,
      error: null,
      flags,
      ...extra,
    };
    return { rec, bytes };
  }

  // ---------------------------------------------------------------- intake

  private onFrame(f: Frame, time: Micros): void {
    const op = f.opcode;
    if (op >= 0x8) {
      this.queue.push(unit([f], false, time));
      return;
    }
    if (op !== Opcode.CONTINUATION) {
      // A new data message: whole when rules or the intercept may look at it, or when it must be re-encoded.
      const { holdData, rules } = this.host.intercept(this.direction);
      const whole = holdData || rules.couldApply(this.host.url, this.host.host, this.direction) || (f.rsv1 && this.codec.reencoding);
      if (whole) {
        this.building = unit([f], false, time);
        return;
      }
    } else if (this.building !== null) {
      this.building.frames.push(f);
      return;
    }
    // Nothing waits ahead of it: the frame goes now, with no unit to queue (the common case, per frame).
    this.streamedDirect = this.queue.length === 0 && !this.blocked;
    if (this.streamedDirect) this.passStreamed(f, time);
    else this.queue.push(unit([f], true, time));
  }

  // ---------------------------------------------------------------- output

  private drain(): void {
    while (!this.blocked && !this.stopped && this.queue.length > 0) {
      const u = this.queue[0]!;
      if (!this.decide(u)) break;
      this.queue.shift();
    }
    if (this.blocked && !this.stopped) this.passControlAhead();
    this.flushRun();
    if (!this.blocked && this.queue.length === 0 && this.sourceEnded && !this.stopped) {
      this.stopped = true;
      this.host.drained(this.direction);
    }
  }

  /**
   * While the head of the queue waits, pings and pongs behind it go on (control frames may come
   * between messages, RFC 6455 §5.4), so neither peer's liveness checks fail during a hold. A close
   * keeps its place, and control frames that the intercept holds or a rule holds or delays wait in order.
   */
  private passControlAhead(): void {
    if (this.host.intercept(this.direction).holdControl) return;
    for (let i = 1; i < this.queue.length;) {
      const u = this.queue[i]!;
      const op = u.frames[0]!.opcode;
      if (op === Opcode.CLOSE) return;
      if (op === Opcode.PING || op === Opcode.PONG) {
        const o = this.outcome(u);
        if (!o.hold && o.delayMs === 0 && this.decide(u)) {
          this.queue.splice(i, 1);
          continue;
        }
      }
      i++;
    }
  }

  /** What the rules make of the unit, worked out once. */
  private outcome(u: Unit): RuleOutcome {
    if (u.outcome === null) {
      const first = u.frames[0]!;
      const opcode = u.message?.opcode ?? first.opcode;
      const payload = u.message?.data ?? first.payload;
      const { rules } = this.host.intercept(this.direction);
      u.outcome = rules.empty
        ? { payload, edited: false, drop: false, hold: false, holdRule: null, delayMs: 0, touched: [] }
        : rules.apply({ url: this.host.url, host: this.host.host, direction: this.direction, opcode, payload });
    }
    return u.outcome;
  }

  /** Takes the unit as far as it can go; false when it now waits (held or delayed). */
  private decide(u: Unit): boolean {
    const first = u.frames[0]!;
    if (u.streamed) {
      this.passStreamed(first, u.time);
      if (u.message !== null) this.streamedMessage(u.message, u.time);
      return true;
    }
    const control = first.opcode >= 0x8;
    if (control && first.opcode === Opcode.PONG && this.direction === 'server' && this.host.isKeepalivePong(first.payload)) {
      this.flushRun();
      this.host.recordFrame(this.recorder.record(first, u.time, FrameFlag.KEEPALIVE | FrameFlag.DROPPED), false);
      return true;
    }
    const opcode = u.message?.opcode ?? first.opcode;
    const { holdData, holdControl } = this.host.intercept(this.direction);
    const o = this.outcome(u);
    if (o.drop) {
      this.dropUnit(u);
      return true;
    }
    if (o.delayMs > 0 && !u.delayed) {
      u.delayed = true;
      this.block();
      this.delayTimer = setTimeout(() => {
        this.delayTimer = null;
        this.unblock();
      }, o.delayMs);
      return false;
    }
    if (u.decision === null && (o.hold || (control ? holdControl : holdData))) {
      this.block();
      u.heldAt = performance.now();
      const shown = o.payload;
      let text: string | null = null;
      try {
        text = decoder.decode(shown);
      } catch {
        text = null;
      }
      this.host.hold({
        connectionId: 0,
        url: this.host.url,
        direction: this.direction,
        opcode,
        frames: u.frames.length,
        size: shown.length,
        compressed: first.rsv1,
        payloadBase64: Buffer.from(shown.buffer, shown.byteOffset, shown.length).toString('base64'),
        text,
        rule: o.holdRule,
      }, (decision) => {
        u.decision = decision;
        u.heldMs = performance.now() - u.heldAt!;
        this.unblock();
      });
      return false;
    }
    if (u.decision?.action === 'drop') {
      this.dropUnit(u);
      return true;
    }
    const edit = u.decision?.action === 'forward' ? u.decision.edit : null;
    if (edit !== null) this.forwardEdited(u, edit.opcode, edit.payload);
    else if (o.edited) this.forwardEdited(u, opcode, o.payload);
    else this.forwardWhole(u);
    return true;
  }

  private block(): void {
    this.blocked = true;
    this.readAhead = 0;
  }

  private unblock(): void {
    this.blocked = false;
    this.readAhead = 0;
    this.drain();
    this.resumeSourceIfReady();
  }

  /** Resumes reading from the sender once nothing waits and the receiver keeps up. */
  resumeSourceIfReady(): void {
    if (!this.stalled && !this.stopped) this.source.resume();
  }

  private flags(u: Unit): number {
    return (u.heldMs !== null ? FrameFlag.HELD : 0) | (u.delayed ? FrameFlag.DELAYED : 0);
  }

  /** An untouched frame of a message forwarded as it arrived. */
  private passStreamed(f: Frame, time: Micros): void {
    if (this.closeWritten) {
      this.host.recordFrame(this.recorder.record(f, time, FrameFlag.DROPPED), false);
      return;
    }
    this.writeWire(f.wire);
    this.wireMidMessage = !f.fin;
    this.host.recordFrame(this.recorder.record(f, time), true);
  }

  /** The message a streamed FIN frame completed. */
  private streamedMessage(m: MessageEvent, time: Micros): void {
    if (this.closeWritten) return;
    if (m.compressed) this.codec.passed(m.data);
    this.host.recordMessage(this.messageRecord(m, time, 0, null));
    this.releaseDeferred();
  }

  /** A control frame or a whole message, unchanged: its original bytes, unless the direction re-encodes. */
  private forwardWhole(u: Unit): void {
    const first = u.frames[0]!;
    const m = u.message;
    const flags = this.flags(u);
    const rules = u.outcome!.touched;
    // After a close went to the receiver, data may not follow (RFC 6455 §5.5.1), nor a second close:
    // a peer's reply to Framescope's own close ends at the proxy.
    if ((m !== null || first.opcode === Opcode.CLOSE) && this.closeWritten) {
      this.dropUnit(u);
      return;
    }
    if (m !== null && m.compressed && this.codec.reencoding) {
      this.forwardEncoded(u, m.opcode, m.data, FrameFlag.REENCODED | flags, null);
      return;
    }
    for (const f of u.frames) {
      this.writeWire(f.wire);
      this.host.recordFrame(this.recorder.record(f, u.time, flags, rules), m !== null);
    }
    if (first.opcode === Opcode.CLOSE) this.noteClose(first.payload);
    if (m !== null) {
      if (m.compressed) this.codec.passed(m.data);
      this.host.recordMessage(this.messageRecord(m, u.time, flags, rules));
    }
  }

  private forwardEdited(u: Unit, opcode: number, payload: Uint8Array): void {
    const m = u.message;
    if (m !== null && m.compressed) this.codec.missed();
    if (m !== null && this.closeWritten) {
      this.dropUnit(u);
      return;
    }
    const original = m?.data ?? u.frames[0]!.payload;
    this.forwardEncoded(u, opcode, payload, FrameFlag.EDITED | this.flags(u), original);
  }

  /** Writes a message or control frame the proxy encoded, as one frame (compressed when the direction compresses). */
  private forwardEncoded(u: Unit, opcode: number, data: Uint8Array, flags: number, original: Uint8Array | null): void {
    this.flushRun();
    const control = opcode >= 0x8;
    const compressed = !control && u.frames[0]!.rsv1 ? this.codec.compress(data) : null;
    if (!control && u.frames[0]!.rsv1 && compressed === null) this.codec.missed();
    const rules = u.outcome?.touched ?? [];
    const { rec, bytes } = this.ownRecord(opcode, compressed ?? data, data, true, compressed !== null, opcode === Opcode.TEXT, flags, {
      time: u.time, original, rules, heldMs: u.heldMs,
    });
    this.dest.write(bytes);
    if (opcode === Opcode.CLOSE) this.noteClose(data);
    this.host.recordFrame(rec, !control);
    if (!control) {
      this.host.recordMessage({ kind: 'message', dir: rec.dir, time: u.time, opcode, data, compressed: compressed !== null, flags, rules });
    }
  }

  private dropUnit(u: Unit): void {
    this.flushRun();
    const m = u.message;
    if (m !== null && m.compressed) this.codec.missed();
    const flags = FrameFlag.DROPPED | this.flags(u);
    const rules = u.outcome?.touched ?? null;
    for (const f of u.frames) this.host.recordFrame(this.recorder.record(f, u.time, flags, rules), m !== null);
    if (m !== null) this.host.recordMessage(this.messageRecord(m, u.time, flags, rules));
  }

  private noteClose(payload: Uint8Array): void {
    this.closeWritten = true;
    const code = payload.length >= 2 ? (payload[0]! << 8) | payload[1]! : null;
    let reason = '';
    try {
      reason = payload.length > 2 ? decoder.decode(payload.subarray(2)) : '';
    } catch {
      reason = '';
    }
    this.host.closeForwarded(this.direction, code, reason);
  }

  private releaseDeferred(): void {
    if (this.wireMidMessage || this.deferred.length === 0) return;
    const waiting = this.deferred;
    this.deferred = [];
    for (const go of waiting) go();
  }

  /** Queues untouched wire bytes, joining views that follow each other in one received chunk. */
  private writeWire(wire: Uint8Array): void {
    const run = this.run;
    // (The joined length is kept as a number: no new view per frame of a run.)
    if (run !== null && run.buffer === wire.buffer && run.byteOffset + this.runLength === wire.byteOffset) {
      this.runLength += wire.length;
      return;
    }
    this.flushRun();
    this.run = wire;
    this.runLength = wire.length;
  }

  private flushRun(): void {
    if (this.run === null) return;
    const run = this.runLength === this.run.length ? this.run : new Uint8Array(this.run.buffer, this.run.byteOffset, this.runLength);
    this.run = null;
    this.dest.write(run);
    if (this.dest.writableNeedDrain) this.source.pause();
  }

  private messageRecord(m: MessageEvent, time: Micros, flags: number, rules: readonly string[] | null): MessageRecord {
    return {
      kind: 'message',
      dir: this.dir,
      time,
      opcode: m.opcode,
      data: m.data,
      compressed: m.compressed,
      flags,
      ...(rules !== null && rules.length > 0 ? { rules } : {}),
    };
  }
}

function unit(frames: Frame[], streamed: boolean, time: Micros): Unit {
  return { frames, message: null, streamed, time, outcome: null, decision: null, heldAt: null, heldMs: null, delayed: false };
}


