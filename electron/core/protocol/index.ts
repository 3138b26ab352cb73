// The protocol core's public surface: a sans-IO RFC 6455 + RFC 7692 implementation.

export { closePayload, Connection, isValidCloseCode, type ConnectionOptions } from './connection.ts';
export type * from './events.ts';
export { CloseCode, HandshakeError, LocalProtocolError, protocolError, type MalformedFrame, type ProtocolError, type WsErrorCode } from './errors.ts';
export { Opcode, isControlOpcode, isKnownOpcode, opcodeName, type DataOpcode, type Frame, type FrameHeaderFields, type FrameSpec } from './frame.ts';
export { encodeFrame, headerLength, keyFrom, randomMask, writeFrame, type MaskSource } from './frame-encoder.ts';
export { FrameTap } from './frame-tap.ts';
export { FrameParser, HeaderVerdict, headerLengthOf, type FrameSink, type ParsedFrame } from './frame-parser.ts';
export { maskInPlace, copyMasked } from './mask.ts';
export { Utf8Validator } from './utf8.ts';
export {
  acceptDeflateOffer, checkDeflateResponse, deflateOffer, deflateParamsOfAnswer, formatExtension, parseExtensions, PERMESSAGE_DEFLATE,
  type DeflateOptions, type DeflateParams, type ExtensionOffer,
} from './deflate-params.ts';
export { PerMessageDeflate, SlidingWindow } from './deflate.ts';
export {
  acceptKey, buildClientRequest, buildRejection, buildServerResponse, checkClientRequest, checkServerResponse,
  generateKey, UpgradeRequestError,
  type AcceptedResponse, type ClientHandshakeRequest, type ClientRequestOptions, type ServerAcceptOptions,
} from './handshake.ts';
export { HttpHeadReader, headerTokens, headerValue, parseHead, serializeHead, type HeaderList, type HttpHead } from './http-head.ts';
