// Protocol errors as values. Remote violations become `ProtocolError` events with a stable code and
// the close code to fail the connection with; local misuse of the API throws `LocalProtocolError`.

import type { FrameHeaderFields } from './frame.ts';

/** Close codes (RFC 6455 §7.4.1) that this module sends on its own. */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  NO_STATUS: 1005,
  ABNORMAL: 1006,
  INVALID_PAYLOAD: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
} as const;

export type WsErrorCode =
  | 'WS_ERR_INVALID_OPCODE'
  | 'WS_ERR_UNEXPECTED_RSV'
  | 'WS_ERR_EXPECTED_MASK'
  | 'WS_ERR_UNEXPECTED_MASK'
  | 'WS_ERR_INVALID_LENGTH'
  | 'WS_ERR_FRAGMENTED_CONTROL_FRAME'
  | 'WS_ERR_CONTROL_FRAME_TOO_LONG'
  | 'WS_ERR_INVALID_CONTINUATION'
  | 'WS_ERR_EXPECTED_CONTINUATION'
  | 'WS_ERR_INVALID_CLOSE_PAYLOAD'
  | 'WS_ERR_INVALID_CLOSE_CODE'
  | 'WS_ERR_INVALID_UTF8'
  | 'WS_ERR_INFLATE_FAILED'
  | 'WS_ERR_FRAME_TOO_LARGE'
  | 'WS_ERR_MESSAGE_TOO_LARGE'
  | 'WS_ERR_TOO_MANY_FRAGMENTS';

/** What the debugger knows of the frame an error was found in, as far as it had been received. */
export interface MalformedFrame extends FrameHeaderFields {
  /** Header bytes and as much of the payload as had arrived, as on the wire. */
  readonly received: Uint8Array;
}

export interface ProtocolError {
  readonly type: 'error';
  readonly code: WsErrorCode;
  /** The close code the connection is failed with (RFC 6455 §7.1.7). */
  readonly closeCode: number;
  /** A sentence for a person: what was wrong. Also the reason sent in the close frame (truncated). */
  readonly reason: string;
  /** Sequence number the offending frame has (or would have had) among received frames. */
  readonly seq: number;
  readonly frame: MalformedFrame | null;
}

const CLOSE_CODE_OF: Record<WsErrorCode, number> = {
  WS_ERR_INVALID_OPCODE: CloseCode.PROTOCOL_ERROR,
  WS_ERR_UNEXPECTED_RSV: CloseCode.PROTOCOL_ERROR,
  WS_ERR_EXPECTED_MASK: CloseCode.PROTOCOL_ERROR,
  WS_ERR_UNEXPECTED_MASK: CloseCode.PROTOCOL_ERROR,
  WS_ERR_INVALID_LENGTH: CloseCode.PROTOCOL_ERROR,
  WS_ERR_FRAGMENTED_CONTROL_FRAME: CloseCode.PROTOCOL_ERROR,
  WS_ERR_CONTROL_FRAME_TOO_LONG: CloseCode.PROTOCOL_ERROR,
  WS_ERR_INVALID_CONTINUATION: CloseCode.PROTOCOL_ERROR,
  WS_ERR_EXPECTED_CONTINUATION: CloseCode.PROTOCOL_ERROR,
  WS_ERR_INVALID_CLOSE_PAYLOAD: CloseCode.PROTOCOL_ERROR,
  WS_ERR_INVALID_CLOSE_CODE: CloseCode.PROTOCOL_ERROR,
  WS_ERR_INVALID_UTF8: CloseCode.INVALID_PAYLOAD,
  WS_ERR_INFLATE_FAILED: CloseCode.INVALID_PAYLOAD,
  WS_ERR_FRAME_TOO_LARGE: CloseCode.MESSAGE_TOO_BIG,
  WS_ERR_MESSAGE_TOO_LARGE: CloseCode.MESSAGE_TOO_BIG,
  WS_ERR_TOO_MANY_FRAGMENTS: CloseCode.MESSAGE_TOO_BIG,
};

/** The one factory for remote protocol violations, so every code maps to one close code. */
export function protocolError(
  code: WsErrorCode,
  reason: string,
  seq: number,
  frame: MalformedFrame | null = null,
): ProtocolError {
  return { type: 'error', code, closeCode: CLOSE_CODE_OF[code], reason, seq, frame };
}

/** Thrown when the caller asks for something the protocol or the connection's state forbids. */
export class LocalProtocolError extends Error {
  override name = 'LocalProtocolError';
}

/** A handshake that cannot go on; `code` is stable, `message` says what was wrong and what was expected. */
export class HandshakeError extends Error {
  override name = 'HandshakeError';
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}
