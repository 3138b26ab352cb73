// Turns a contract SendRequest (text, JSON, hex, base64, control frames, raw frames) into the
// protocol core's send events, checking what a person typed before any byte goes out.
import type { ByteFormat, SendRequest } from '../../../shared/api.ts';
import { Opcode, type DataOpcode, type SendEvent } from '../protocol/index.ts';

export class SendRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SendRequestError';
  }
}

export interface OutgoingPlan {
  events: SendEvent[];
  /** Set for a data message, which the timeline also shows as one message row. */
  message: { opcode: DataOpcode; data: Uint8Array } | null;
  /** Raw frames are written as given and never assembled into a message. */
  raw: boolean;
}

const encoder = new TextEncoder();

/** Decodes hex (spaces, colons and a 0x prefix allowed), base64 (standard or URL-safe) or text. */
export function decodeBytes(data: string, format: ByteFormat): Uint8Array {
  switch (format) {
    case 'text':
      return encoder.encode(data);
    case 'hex': {
      const digits = data.replace(/0x/gi, '').replace(/[\s:,-]/g, '');
      if (!/^[0-9a-f]*$/i.test(digits)) {
        const bad = /[^0-9a-f]/i.exec(digits)![0];
        throw new SendRequestError(`The hex payload contains "${bad}", which is not a hex digit — use 0-9 and a-f, optionally separated by spaces`);
      }
      if (digits.length % 2 !== 0) throw new SendRequestError(`The hex payload has an odd number of digits (${digits.length}) — each byte takes two`);
      return Buffer.from(digits, 'hex');
    }
    case 'base64': {
      const compact = data.replace(/\s/g, '');
      if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact) || compact.replace(/=+$/, '').length % 4 === 1) {
        throw new SendRequestError('The base64 payload is not valid base64 — check for stray characters or a cut-off end');
      }
      return Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64');
    }
    default: {
      const never: never = format;
      throw new SendRequestError(`unknown byte format ${String(never)}`);
    }
  }
}

export function planSend(req: SendRequest): OutgoingPlan {
  switch (req.kind) {
    case 'text':
    case 'json': {
      if (req.kind === 'json') {
        try {
          JSON.parse(req.text);
        } catch (err) {
          throw new SendRequestError(`The payload is not valid JSON (${(err as Error).message}) — fix it or send it as text`);
        }
      }
      const data = encoder.encode(req.text);
      return {
        events: [{ type: 'text', data, ...fragmentAndCompress(req) }],
        message: { opcode: Opcode.TEXT, data },
        raw: false,
      };
    }
    case 'binary': {
      const data = decodeBytes(req.data, req.format);
      return {
        events: [{ type: 'binary', data, ...fragmentAndCompress(req) }],
        message: { opcode: Opcode.BINARY, data },
        raw: false,
      };
    }
    case 'ping':
    case 'pong':
      return { events: [{ type: req.kind, data: decodeBytes(req.data ?? '', req.format ?? 'text') }], message: null, raw: false };
    case 'close':
      // A reason without a code goes to the core as given, which refuses it rather than dropping it.
      return {
        events: [{ type: 'close', ...(req.code === undefined ? {} : { code: req.code }), ...(req.reason === undefined ? {} : { reason: req.reason }) }],
        message: null,
        raw: false,
      };
    case 'raw':
      return { events: rawFrames(req), message: null, raw: true };
    default: {
      const never: never = req;
      throw new SendRequestError(`unknown send kind ${JSON.stringify(never)}`);
    }
  }
}

function fragmentAndCompress(req: { fragmentSize?: number; compress?: boolean }): { fragmentSize?: number; compress?: boolean } {
  return {
    ...(req.fragmentSize === undefined ? {} : { fragmentSize: req.fragmentSize }),
    ...(req.compress === undefined ? {} : { compress: req.compress }),
  };
}

/**
 * One raw frame, or the payload cut into `fragmentSize` pieces: the first carries the opcode and the
 * RSV bits (as RFC 7692 puts RSV1 on a message's first frame), the rest are continuations, and FIN is
 * set on the last one only when asked. Nothing is checked: testing a server's error paths is the point.
 */
function rawFrames(req: Extract<SendRequest, { kind: 'raw' }>): SendEvent[] {
  const payload = decodeBytes(req.data, req.format);
  const mask = req.mask === false ? { mask: false } : {};
  const size = req.fragmentSize;
  if (size === undefined || payload.length <= size) {
    return [{ type: 'raw', frame: { opcode: req.opcode, payload, fin: req.fin, rsv1: req.rsv1, rsv2: req.rsv2, rsv3: req.rsv3, ...mask } }];
  }
  const events: SendEvent[] = [];
  for (let off = 0; off < payload.length; off += size) {
    const first = off === 0;
    const last = off + size >= payload.length;
    events.push({
      type: 'raw',
      frame: {
        opcode: first ? req.opcode : Opcode.CONTINUATION,
        payload: payload.subarray(off, off + size),
        fin: last && req.fin,
        rsv1: first && req.rsv1,
        rsv2: first && req.rsv2,
        rsv3: first && req.rsv3,
        ...mask,
      },
    });
  }
  return events;
}
