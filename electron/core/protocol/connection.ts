// The WebSocket connection as a sans-IO state machine (RFC 6455): bytes in through `receive`,
// events out; `send` turns what the application wants into bytes. It never touches a socket,
// a timer or a clock, so one class serves the GUI client, both sides of the proxy, and the tests.
//
// State rules (RFC 6455 §4, §5.5.1, §7):
//   CONNECTING     client: after `initiate`, until a 101 is checked; server: until `accept`.
//   OPEN           data and control frames both ways.
//   LOCAL_CLOSING  we sent a close frame; no more data frames (pings and pongs may go), still reading.
//   REMOTE_CLOSING the peer's close arrived and `autoCloseReply` is off; we may send, then close.
//   CLOSED         close frames crossed, the connection was failed, or the transport ended.
// A remote violation fails the connection (§7.1.7): a ProtocolError event, a close frame with its
// code queued for `dataToSend`, CLOSED, and the parser stops reading.

import { PerMessageDeflate, InflateLimitError } from './deflate.ts';
import type { DeflateOptions, DeflateParams } from './deflate-params.ts';
import { CloseCode, HandshakeError, LocalProtocolError, protocolError, type ProtocolError, type WsErrorCode } from './errors.ts';
import type {
  ConnectionEvent, ConnectionState, MessageEvent, Role, SendEvent,
} from './events.ts';
import { isControlOpcode, isKnownOpcode, Opcode, opcodeName, type DataOpcode } from './frame.ts';
import { encodeFrame, keyFrom, randomMask, writeFrame, type MaskSource } from './frame-encoder.ts';
import { FrameParser, HeaderVerdict, type FrameSink, type ParsedFrame } from './frame-parser.ts';
import {
  buildClientRequest, buildRejection, buildServerResponse, checkClientRequest, checkServerResponse,
  UpgradeRequestError, type ClientHandshakeRequest, type ClientRequestOptions, type ServerAcceptOptions,
} from './handshake.ts';
import { HttpHeadReader, type HeaderList, type HttpHead } from './http-head.ts';
import { isUtf8, Utf8Validator } from './utf8.ts';

export interface ConnectionOptions {
  role: Role;
  /**
   * Start OPEN, the handshake having been done elsewhere (a proxy that relays the HTTP itself, or a
   * test); `deflate` is what was negotiated. Without it the connection starts CONNECTING.
   */
  open?: { deflate?: DeflateParams | null };
  /** Largest payload one frame may claim (1009 past it). Default 64 MiB. */
  maxFrameSize?: number;
  /** Largest message, after decompression (1009 past it). Default 64 MiB. */
  maxMessageSize?: number;
  /** Most frames one message may be split into (1009 past it). Default 131072. */
  maxFragments?: number;
  /** Largest HTTP head accepted during the handshake. Default 64 KiB. */
  maxHeadSize?: number;
  /** Answer pings with pongs (RFC 6455 §5.5.2). Default true; off lets a debugger answer by hand. */
  autoPong?: boolean;
  /** Answer a close frame with a close frame (RFC 6455 §5.5.1). Default true. */
  autoCloseReply?: boolean;
  /** Check text messages and close reasons are UTF-8 (1007). Default true. */
  validateUtf8?: boolean;
  /** Source of masking keys (client role). Default: crypto-random. */
  maskSource?: MaskSource;
}

const MiB = 1024 * 1024;
const EMPTY: Uint8Array = new Uint8Array(0);
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/** RFC 6455 §7.4: codes a close frame may carry. 1004-1006 and 1015 are never sent on the wire. */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}

export class Connection implements FrameSink {
  readonly role: Role;
  private stateValue: ConnectionState;
  private readonly parser: FrameParser;
  private events: ConnectionEvent[] = [];
  private output: Uint8Array[] = [];
  private readonly maxFrameSize: number;
  private readonly maxMessageSize: number;
  private readonly maxFragments: number;
  private readonly autoPong: boolean;
  private readonly autoCloseReply: boolean;
  private readonly validateUtf8: boolean;
  private readonly maskSource: MaskSource;
  private readonly mask: boolean;
  private deflate: PerMessageDeflate | null = null;

  // Handshake.
  private headReader: HttpHeadReader | null;
  private clientExpect: { key: string; subprotocols: readonly string[]; deflate: readonly DeflateOptions[] } | null = null;
  private pendingRequest: ClientHandshakeRequest | null = null;
  private earlyBytes: Uint8Array[] = [];
  private rejected = false;

  // The data message being received.
  private msgOpcode: DataOpcode | 0 = 0;
  private msgCompressed = false;
  private msgPieces: Uint8Array[] = [];
  /** Payload bytes of the message so far, counted from the headers before anything is buffered. */
  private msgSize = 0;
  private msgFrames = 0;
  private msgFirstSeq = 0;
  private readonly utf8 = new Utf8Validator();

  // Closing.
  private closeSent = false;
  private closeReceived: { code: number | null; reason: string } | null = null;

  constructor(opts: ConnectionOptions) {
    this.role = opts.role;
    this.maxFrameSize = opts.maxFrameSize ?? 64 * MiB;
    this.maxMessageSize = opts.maxMessageSize ?? 64 * MiB;
    this.maxFragments = opts.maxFragments ?? 131072;
    this.autoPong = opts.autoPong ?? true;
    this.autoCloseReply = opts.autoCloseReply ?? true;
    this.validateUtf8 = opts.validateUtf8 ?? true;
    this.maskSource = opts.maskSource ?? randomMask;
    // RFC 6455 §5.1: a client masks every frame, a server none.
    this.mask = this.role === 'client';
    this.parser = new FrameParser(this);
    if (opts.open) {
      this.stateValue = 'OPEN';
      this.headReader = null;
      this.useDeflate(opts.open.deflate ?? null);
    } else {
      this.stateValue = 'CONNECTING';
      this.headReader = new HttpHeadReader(opts.maxHeadSize);
    }
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** The negotiated permessage-deflate parameters, or null. */
  get deflateParams(): DeflateParams | null {
    return this.deflate?.params ?? null;
  }

  // ---------------------------------------------------------------- handshake

  /** Client role: the opening handshake request to write. */
  initiate(opts: ClientRequestOptions): Uint8Array {
    if (this.role !== 'client' || this.stateValue !== 'CONNECTING' || this.clientExpect) {
      throw new LocalProtocolError('initiate() is for a client connection that has not sent its request yet');
    }
    const req = buildClientRequest(opts);
    this.clientExpect = { key: req.key, subprotocols: opts.subprotocols ?? [], deflate: opts.deflate ?? [] };
    return req.bytes;
  }

  /** Server role: accepts the request reported by the `request` event; returns the 101 response. */
  accept(opts: ServerAcceptOptions = {}): Uint8Array {
    const request = this.pendingRequest;
    if (this.role !== 'server' || this.stateValue !== 'CONNECTING' || !request) {
      throw new LocalProtocolError('accept() needs a server connection with a pending request');
    }
    const res = buildServerResponse(request, opts);
    this.pendingRequest = null;
    this.headReader = null;
    this.stateValue = 'OPEN';
    this.useDeflate(res.deflate);
    const early = this.earlyBytes;
    this.earlyBytes = [];
    for (const chunk of early) this.parser.push(chunk);
    return res.bytes;
  }

  /** Server role: refuses the pending request with an HTTP response. */
  reject(status = 403, reason = 'Forbidden', headers: HeaderList = [], body = ''): Uint8Array {
    if (this.role !== 'server' || this.stateValue !== 'CONNECTING') {
      throw new LocalProtocolError('reject() is for a server connection still in its handshake');
    }
    this.pendingRequest = null;
    this.toClosed(CloseCode.ABNORMAL, `the handshake was refused with ${status} ${reason}`, 'local', false);
    return buildRejection(status, reason, headers, body);
  }

  // ---------------------------------------------------------------- input

  /** Feeds bytes from the transport (null: the transport ended) and returns the events they caused. */
  receive(chunk: Uint8Array | null): ConnectionEvent[] {
    if (chunk === null) this.endOfStream();
    else if (this.stateValue === 'CONNECTING' || this.rejected) this.receiveHandshake(chunk);
    else if (this.headReader === null) this.parser.push(chunk);
    // else: the handshake failed; nothing after it is WebSocket data.
    return this.pollEvents();
  }

  /** Events queued since the last call (`receive` returns them too). */
  pollEvents(): ConnectionEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }

  /** Bytes the connection wrote on its own (pongs, close replies, failure closes) since the last call. */
  dataToSend(): Uint8Array[] {
    const out = this.output;
    this.output = [];
    return out;
  }

  private receiveHandshake(chunk: Uint8Array): void {
    if (this.rejected) {
      if (chunk.length > 0) this.events.push({ type: 'body', data: chunk });
      return;
    }
    if (this.role === 'server' && this.pendingRequest) {
      // A client should wait for the 101; keep what it sent early for after `accept`.
      this.earlyBytes.push(chunk);
      return;
    }
    if (this.role === 'client' && !this.clientExpect) {
      throw new LocalProtocolError('receive() before initiate(): the client has not sent its request');
    }
    let got;
    try {
      got = this.headReader!.push(chunk, this.role === 'client' ? 'response' : 'request');
    } catch (err) {
      this.handshakeFailed(err, null);
      return;
    }
    if (!got) return;
    const { head, rest } = got;
    if (this.role === 'server') {
      try {
        this.pendingRequest = checkClientRequest(head);
      } catch (err) {
        this.handshakeFailed(err, head);
        return;
      }
      this.events.push({ type: 'request', request: this.pendingRequest, head });
      if (rest.length > 0) this.earlyBytes.push(rest);
      return;
    }
    const status = Number(head.startLine[1]);
    if (status !== 101) {
      this.rejected = true;
      this.events.push({ type: 'rejected', head, status });
      if (rest.length > 0) this.events.push({ type: 'body', data: rest });
      return;
    }
    let accepted;
    try {
      accepted = checkServerResponse(head, this.clientExpect!);
    } catch (err) {
      this.handshakeFailed(err, head);
      return;
    }
    this.stateValue = 'OPEN';
    this.headReader = null;
    this.useDeflate(accepted.deflate);
    this.events.push({ type: 'accepted', head, ...accepted });
    if (rest.length > 0) this.parser.push(rest);
  }

  private handshakeFailed(err: unknown, head: HttpHead | null): void {
    if (!(err instanceof HandshakeError)) throw err;
    this.events.push({ type: 'handshake-failed', code: err.code, message: err.message, head });
    if (err instanceof UpgradeRequestError) {
      this.output.push(buildRejection(err.status, statusText(err.status), err.responseHeaders, `${err.message}\n`));
    }
    this.toClosed(CloseCode.ABNORMAL, err.message, 'local', false);
  }

  private endOfStream(): void {
    if (this.stateValue === 'CLOSED') return;
    if (this.rejected) {
      this.toClosed(CloseCode.ABNORMAL, 'the server rejected the handshake', 'remote', false);
      return;
    }
    if (this.closeReceived) {
      // RFC 6455 §7.1.5: a close frame was received, so its code is the connection's close code.
      this.toClosed(this.closeReceived.code ?? CloseCode.NO_STATUS, this.closeReceived.reason, 'remote', false);
      return;
    }
    const reason = this.stateValue === 'CONNECTING'
      ? 'the connection ended during the opening handshake'
      : this.parser.midFrame
        ? 'the connection ended in the middle of a frame'
        : 'the connection ended without a closing handshake';
    this.parser.stop();
    this.toClosed(CloseCode.ABNORMAL, reason, 'abnormal', false);
  }

  // ---------------------------------------------------------------- frame sink (called by the parser)

  frameHeader(f: ParsedFrame): HeaderVerdict {
    if (this.closeReceived) {
      // RFC 6455 §5.5.1: nothing counts after a close; frames are still shown, within the size limit.
      return f.payloadLength > this.maxFrameSize ? HeaderVerdict.STOP : HeaderVerdict.CONTINUE;
    }
    const op = f.opcode;
    if (!isKnownOpcode(op)) return this.failHeader(f, 'WS_ERR_INVALID_OPCODE', `opcode 0x${op.toString(16)} is reserved`);
    const control = isControlOpcode(op);
    // RFC 7692 §6: RSV1 marks the first frame of a compressed data message; nothing else may set RSV bits.
    if (f.rsv2 || f.rsv3 || (f.rsv1 && (this.deflate === null || control || op === Opcode.CONTINUATION))) {
      const bits = [f.rsv1 && 'RSV1', f.rsv2 && 'RSV2', f.rsv3 && 'RSV3'].filter(Boolean).join(', ');
      const why = f.rsv1 && !f.rsv2 && !f.rsv3
        ? this.deflate === null ? 'no extension that defines it was negotiated' : `RSV1 is not allowed on a ${opcodeName(op)} frame`
        : 'no extension that defines them was negotiated';
      return this.failHeader(f, 'WS_ERR_UNEXPECTED_RSV', `reserved bit ${bits} set: ${why}`);
    }
    if (this.role === 'server' && !f.masked) {
      return this.failHeader(f, 'WS_ERR_EXPECTED_MASK', 'a client frame arrived unmasked (RFC 6455 §5.1: clients must mask)');
    }
    if (this.role === 'client' && f.masked) {
      return this.failHeader(f, 'WS_ERR_UNEXPECTED_MASK', 'a server frame arrived masked (RFC 6455 §5.1: servers must not mask)');
    }
    const len = f.payloadLength;
    if (control) {
      // RFC 6455 §5.5: control frames MUST NOT be fragmented and carry at most 125 bytes.
      if (!f.fin) return this.failHeader(f, 'WS_ERR_FRAGMENTED_CONTROL_FRAME', `a ${opcodeName(op)} frame has FIN clear: control frames must not be fragmented`);
      if (len > 125) return this.failHeader(f, 'WS_ERR_CONTROL_FRAME_TOO_LONG', `a ${opcodeName(op)} frame claims ${len} bytes: control frames carry at most 125`);
      if (op === Opcode.CLOSE && len === 1) {
        return this.failHeader(f, 'WS_ERR_INVALID_CLOSE_PAYLOAD', 'a close frame has a 1-byte payload: it must be empty or start with a 2-byte code');
      }
      return HeaderVerdict.CONTINUE;
    }
    // RFC 6455 §5.2: the most significant bit of a 64-bit length MUST be 0 (read from the bytes: a
    // JavaScript number cannot tell 2^63-1 from 2^63).
    if ((f.wire[1]! & 0x7f) === 127 && (f.wire[2]! & 0x80) !== 0) {
      return this.failHeader(f, 'WS_ERR_INVALID_LENGTH', 'the 64-bit payload length has its most significant bit set');
    }
    if (len > this.maxFrameSize) {
      return this.failHeader(f, 'WS_ERR_FRAME_TOO_LARGE', `a frame claims ${len} bytes, more than the limit of ${this.maxFrameSize}`);
    }
    if (op === Opcode.CONTINUATION) {
      if (this.msgOpcode === 0) return this.failHeader(f, 'WS_ERR_INVALID_CONTINUATION', 'a continuation frame arrived with no fragmented message to continue');
    } else {
      if (this.msgOpcode !== 0) {
        return this.failHeader(f, 'WS_ERR_EXPECTED_CONTINUATION', `a new ${opcodeName(op)} message started before the fragmented ${opcodeName(this.msgOpcode)} message was finished`);
      }
      this.msgOpcode = op as DataOpcode;
      this.msgCompressed = f.rsv1;
      this.msgFirstSeq = f.seq;
      if (this.msgOpcode === Opcode.TEXT) this.utf8.reset();
    }
    if (++this.msgFrames > this.maxFragments) {
      return this.failHeader(f, 'WS_ERR_TOO_MANY_FRAGMENTS', `a message has more than ${this.maxFragments} fragments`);
    }
    this.msgSize += len;
    if (this.msgSize > this.maxMessageSize) {
      return this.failHeader(f, 'WS_ERR_MESSAGE_TOO_LARGE', `a message exceeds the limit of ${this.maxMessageSize} bytes`);
    }
    f.compressed = this.msgCompressed;
    // Uncompressed text is checked as it arrives; compressed text once inflated, at the message's end.
    return !this.msgCompressed && this.msgOpcode === Opcode.TEXT && this.validateUtf8 ? HeaderVerdict.STREAM : HeaderVerdict.CONTINUE;
  }

  framePayload(f: ParsedFrame, piece: Uint8Array, final: boolean): boolean {
    // Fail fast (Autobahn 6.4): inside the frame, as soon as the offending byte is seen.
    if (!this.utf8.push(piece, final && f.fin)) {
      return this.failPartial(f, 'WS_ERR_INVALID_UTF8', final && f.fin && this.utf8.complete === false
        ? 'a text message ends in the middle of a UTF-8 sequence'
        : 'a text message is not valid UTF-8');
    }
    return true;
  }

  frameComplete(f: ParsedFrame): boolean {
    if (this.closeReceived) {
      this.events.push(f);
      return true;
    }
    switch (f.opcode) {
      case Opcode.PING:
        this.events.push(f, { type: 'ping', data: f.payload, seq: f.seq });
        // RFC 6455 §5.5.2: answer unless a close was received; our own close does not stop pongs.
        if (this.autoPong && (this.stateValue === 'OPEN' || this.stateValue === 'LOCAL_CLOSING')) {
          this.output.push(this.encode(Opcode.PONG, f.payload, true, false));
        }
        return true;
      case Opcode.PONG:
        this.events.push(f, { type: 'pong', data: f.payload, seq: f.seq });
        return true;
      case Opcode.CLOSE:
        return this.closeFrame(f);
      default:
        return this.dataFrame(f);
    }
  }

  private dataFrame(f: ParsedFrame): boolean {
    if (!f.fin) {
      this.msgPieces.push(f.payload);
      this.events.push(f);
      return true;
    }
    // A single-frame message (the common case) needs no piece list.
    let data = f.payload;
    if (this.msgPieces.length > 0) {
      this.msgPieces.push(data);
      data = Buffer.concat(this.msgPieces, this.msgSize);
    }
    if (this.msgCompressed) {
      try {
        data = this.deflate!.inflate(data, this.maxMessageSize);
      } catch (err) {
        const limit = err instanceof InflateLimitError;
        return this.failPartial(f, limit ? 'WS_ERR_MESSAGE_TOO_LARGE' : 'WS_ERR_INFLATE_FAILED', limit
          ? `a compressed message inflates past the limit of ${this.maxMessageSize} bytes`
          : `the compressed message cannot be inflated: ${(err as Error).message}`);
      }
      f.inflated = data;
      if (this.msgOpcode === Opcode.TEXT && this.validateUtf8 && !isUtf8(data)) {
        return this.failPartial(f, 'WS_ERR_INVALID_UTF8', 'a compressed text message is not valid UTF-8 once inflated');
      }
    }
    const message: MessageEvent = {
      type: 'message',
      opcode: this.msgOpcode as DataOpcode,
      data,
      compressed: this.msgCompressed,
      frames: this.msgFrames,
      firstSeq: this.msgFirstSeq,
      lastSeq: f.seq,
    };
    this.events.push(f, message);
    this.msgOpcode = 0;
    this.msgPieces.length = 0;
    this.msgSize = 0;
    this.msgFrames = 0;
    return true;
  }

  private closeFrame(f: ParsedFrame): boolean {
    const p = f.payload;
    let code: number | null = null;
    let reason = '';
    if (p.length >= 2) {
      code = (p[0]! << 8) | p[1]!;
      if (!isValidCloseCode(code)) {
        return this.failPartial(f, 'WS_ERR_INVALID_CLOSE_CODE', `a close frame carries code ${code}, which may not be sent (RFC 6455 §7.4)`);
      }
      const reasonBytes = p.subarray(2);
      if (this.validateUtf8 && !isUtf8(reasonBytes)) {
        return this.failPartial(f, 'WS_ERR_INVALID_UTF8', 'a close frame reason is not valid UTF-8');
      }
      reason = decoder.decode(reasonBytes);
    }
    this.closeReceived = { code, reason };
    this.events.push(f, { type: 'close', code, reason, seq: f.seq });
    if (this.stateValue === 'LOCAL_CLOSING') {
      this.toClosed(code ?? CloseCode.NO_STATUS, reason, 'local', true);
    } else {
      this.stateValue = 'REMOTE_CLOSING';
      if (this.autoCloseReply) {
        // RFC 6455 §5.5.1: echo the status code received.
        this.output.push(this.encode(Opcode.CLOSE, code === null ? EMPTY : p.subarray(0, 2), true, false));
        this.closeSent = true;
        this.toClosed(code ?? CloseCode.NO_STATUS, reason, 'remote', true);
      }
    }
    return true;
  }

  private failHeader(f: ParsedFrame, code: WsErrorCode, reason: string): HeaderVerdict {
    this.fail(f, code, reason);
    return HeaderVerdict.STOP;
  }

  private failPartial(f: ParsedFrame, code: WsErrorCode, reason: string): false {
    this.fail(f, code, reason);
    return false;
  }

  /** RFC 6455 §7.1.7, Fail the WebSocket Connection. */
  private fail(f: ParsedFrame, code: WsErrorCode, reason: string): void {
    const received = this.parser.receivedWire(f);
    const err: ProtocolError = protocolError(code, reason, f.seq, {
      fin: f.fin, rsv1: f.rsv1, rsv2: f.rsv2, rsv3: f.rsv3, opcode: f.opcode, masked: f.masked,
      payloadLength: f.payloadLength, received,
    });
    this.events.push(err);
    this.parser.stop();
    if (!this.closeSent && this.stateValue !== 'CLOSED') {
      this.output.push(this.encode(Opcode.CLOSE, closePayload(err.closeCode, reason), true, false));
      this.closeSent = true;
    }
    this.toClosed(err.closeCode, reason, 'local', false);
  }

  private toClosed(code: number, reason: string, by: 'local' | 'remote' | 'abnormal', clean: boolean): void {
    if (this.stateValue === 'CLOSED') return;
    this.stateValue = 'CLOSED';
    this.events.push({ type: 'closed', code, reason, by, clean });
  }

  // ---------------------------------------------------------------- output

  /** Encodes what the application wants to send. Throws LocalProtocolError when the state forbids it. */
  send(ev: SendEvent): Uint8Array {
    if (ev.type === 'raw') {
      if (this.stateValue === 'CONNECTING') throw new LocalProtocolError('cannot send frames before the handshake completes');
      const spec = ev.frame.mask === undefined ? { ...ev.frame, mask: this.mask } : ev.frame;
      return encodeFrame(spec, this.maskSource);
    }
    const canSendData = this.stateValue === 'OPEN' || this.stateValue === 'REMOTE_CLOSING';
    switch (ev.type) {
      case 'text':
      case 'binary': {
        if (!canSendData) throw new LocalProtocolError(`cannot send a ${ev.type} message in state ${this.stateValue}`);
        const data = typeof ev.data === 'string' ? encoder.encode(ev.data) : ev.data;
        return this.encodeMessage(ev.type === 'text' ? Opcode.TEXT : Opcode.BINARY, data, ev.fragmentSize, ev.compress ?? true);
      }
      case 'ping':
      case 'pong': {
        // RFC 6455 §5.5.1 forbids only data frames after our close; control frames may still go.
        if (!canSendData && this.stateValue !== 'LOCAL_CLOSING') throw new LocalProtocolError(`cannot send a ${ev.type} in state ${this.stateValue}`);
        const data = typeof ev.data === 'string' ? encoder.encode(ev.data) : ev.data ?? EMPTY;
        if (data.length > 125) throw new LocalProtocolError(`a ${ev.type} payload is at most 125 bytes, got ${data.length}`);
        return this.encode(ev.type === 'ping' ? Opcode.PING : Opcode.PONG, data, true, false);
      }
      case 'close': {
        if (!canSendData || this.closeSent) throw new LocalProtocolError(`cannot send a close frame in state ${this.stateValue}`);
        let payload = EMPTY;
        if (ev.code !== undefined) {
          if (!isValidCloseCode(ev.code)) throw new LocalProtocolError(`close code ${ev.code} may not be sent (RFC 6455 §7.4); use a raw frame to send it anyway`);
          const reason = ev.reason ?? '';
          if (encoder.encode(reason).length > 123) throw new LocalProtocolError('a close reason is at most 123 bytes of UTF-8');
          payload = closePayload(ev.code, reason);
        } else if (ev.reason) {
          throw new LocalProtocolError('a close reason needs a close code');
        }
        this.closeSent = true;
        const bytes = this.encode(Opcode.CLOSE, payload, true, false);
        if (this.stateValue === 'REMOTE_CLOSING') {
          const r = this.closeReceived!;
          this.toClosed(r.code ?? CloseCode.NO_STATUS, r.reason, 'remote', true);
        } else {
          this.stateValue = 'LOCAL_CLOSING';
        }
        return bytes;
      }
      default: {
        const never: never = ev;
        throw new LocalProtocolError(`unknown send event ${JSON.stringify(never)}`);
      }
    }
  }

  private encodeMessage(opcode: DataOpcode, data: Uint8Array, fragmentSize: number | undefined, compress: boolean): Uint8Array {
    const deflate = compress && this.deflate?.canCompress ? this.deflate : null;
    const payload = deflate ? deflate.deflate(data) : data;
    if (fragmentSize === undefined || payload.length <= fragmentSize) {
      return this.encode(opcode, payload, true, deflate !== null);
    }
    if (!Number.isInteger(fragmentSize) || fragmentSize < 1) throw new LocalProtocolError(`fragment size must be a positive integer, got ${fragmentSize}`);
    const frames: Uint8Array[] = [];
    for (let off = 0; off < payload.length; off += fragmentSize) {
      const end = Math.min(off + fragmentSize, payload.length);
      // RFC 7692 §6.1: RSV1 on the first frame of a compressed message only.
      frames.push(this.encode(off === 0 ? opcode : Opcode.CONTINUATION, payload.subarray(off, end), end === payload.length, off === 0 && deflate !== null));
    }
    return Buffer.concat(frames);
  }

  private encode(opcode: number, payload: Uint8Array, fin: boolean, rsv1: boolean): Uint8Array {
    return writeFrame((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode, payload, this.mask ? keyFrom(this.maskSource) : null);
  }

  private useDeflate(params: DeflateParams | null): void {
    this.deflate = params ? new PerMessageDeflate(params, this.role) : null;
  }
}

/** A close payload: the code, then the reason cut to fit 125 bytes without splitting a character. */
export function closePayload(code: number, reason: string): Uint8Array {
  let r = encoder.encode(reason);
  if (r.length > 123) {
    let cut = 123;
    while (cut > 0 && (r[cut]! & 0xc0) === 0x80) cut--;
    r = r.subarray(0, cut);
  }
  const out = Buffer.allocUnsafe(2 + r.length);
  out[0] = code >>> 8;
  out[1] = code & 0xff;
  out.set(r, 2);
  return out;
}

function statusText(status: number): string {
  switch (status) {
    case 400: return 'Bad Request';
    case 405: return 'Method Not Allowed';
    case 426: return 'Upgrade Required';
    case 505: return 'HTTP Version Not Supported';
    default: return 'Error';
  }
}
