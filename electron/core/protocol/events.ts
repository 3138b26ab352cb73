// What a Connection reports (a discriminated union, like wsproto's events) and what it can be
// asked to send.

import type { DeflateParams } from './deflate-params.ts';
import type { ProtocolError } from './errors.ts';
import type { DataOpcode, Frame, FrameSpec } from './frame.ts';
import type { ClientHandshakeRequest } from './handshake.ts';
import type { HttpHead } from './http-head.ts';

export type Role = 'client' | 'server';

/** RFC 6455 §4 and §7 states, named as there. */
export type ConnectionState = 'CONNECTING' | 'OPEN' | 'LOCAL_CLOSING' | 'REMOTE_CLOSING' | 'CLOSED';

/** A complete data message, assembled from one or more frames (each also reported as a Frame). */
export interface MessageEvent {
  readonly type: 'message';
  readonly opcode: DataOpcode;
  /** The message as the application sees it: unmasked and decompressed. */
  readonly data: Uint8Array;
  readonly compressed: boolean;
  /** Number of frames the message came in. */
  readonly frames: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
}

export interface PingEvent { readonly type: 'ping'; readonly data: Uint8Array; readonly seq: number }
export interface PongEvent { readonly type: 'pong'; readonly data: Uint8Array; readonly seq: number }

/** A close frame arrived. `code` is null when it had no payload (RFC 6455 §7.1.5: 1005). */
export interface CloseEvent {
  readonly type: 'close';
  readonly code: number | null;
  readonly reason: string;
  readonly seq: number;
}

/** The connection reached CLOSED; the driver should close the transport once output is written. */
export interface ClosedEvent {
  readonly type: 'closed';
  readonly code: number;
  readonly reason: string;
  /** Who started the close: this side (or it failed the connection), the peer, or neither (transport ended). */
  readonly by: 'local' | 'remote' | 'abnormal';
  /** True when the closing handshake completed. */
  readonly clean: boolean;
}

/** Server role: an opening handshake request that passed RFC 6455 §4.2.1's checks. */
export interface RequestEvent {
  readonly type: 'request';
  readonly request: ClientHandshakeRequest;
  readonly head: HttpHead;
}

/** Client role: the server accepted the handshake; the connection is OPEN. */
export interface AcceptedEvent {
  readonly type: 'accepted';
  readonly head: HttpHead;
  readonly protocol: string | null;
  readonly extensions: string | null;
  readonly deflate: DeflateParams | null;
}

/** Client role: the server answered with a status other than 101. Body bytes follow as `body` events. */
export interface RejectedEvent {
  readonly type: 'rejected';
  readonly head: HttpHead;
  readonly status: number;
}

export interface BodyEvent { readonly type: 'body'; readonly data: Uint8Array }

/** The opening handshake broke a rule; `code` is a stable WS_ERR_* string. */
export interface HandshakeFailedEvent {
  readonly type: 'handshake-failed';
  readonly code: string;
  readonly message: string;
  readonly head: HttpHead | null;
}

export type ConnectionEvent =
  | Frame
  | MessageEvent
  | PingEvent
  | PongEvent
  | CloseEvent
  | ClosedEvent
  | ProtocolError
  | RequestEvent
  | AcceptedEvent
  | RejectedEvent
  | BodyEvent
  | HandshakeFailedEvent;

/** What the application asks a Connection to send. */
export type SendEvent =
  | {
      readonly type: 'text' | 'binary';
      readonly data: string | Uint8Array;
      /** Split the message into frames of at most this many payload bytes. */
      readonly fragmentSize?: number;
      /** Compress when permessage-deflate is in use (default true). */
      readonly compress?: boolean;
    }
  | { readonly type: 'ping' | 'pong'; readonly data?: string | Uint8Array }
  | { readonly type: 'close'; readonly code?: number; readonly reason?: string }
  /** Any frame at all, unchecked: the debugger's raw mode for testing peers. */
  | { readonly type: 'raw'; readonly frame: FrameSpec };
