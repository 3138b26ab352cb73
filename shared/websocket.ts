// WebSocket vocabulary that the engine and the UI both name things with: opcodes and close codes
// (RFC 6455 §5.2 and §7.4, and the IANA WebSocket Close Code Number Registry). No Node, no DOM.

export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

export type DataOpcode = typeof Opcode.TEXT | typeof Opcode.BINARY;

export function opcodeName(opcode: number): string {
  switch (opcode) {
    case Opcode.CONTINUATION: return 'continuation';
    case Opcode.TEXT: return 'text';
    case Opcode.BINARY: return 'binary';
    case Opcode.CLOSE: return 'close';
    case Opcode.PING: return 'ping';
    case Opcode.PONG: return 'pong';
    default: return `reserved 0x${opcode.toString(16)}`;
  }
}

const CLOSE_CODE_MEANINGS: Readonly<Record<number, string>> = {
  1000: 'Normal Closure',
  1001: 'Going Away',
  1002: 'Protocol Error',
  1003: 'Unsupported Data',
  1005: 'No Status Received',
  1006: 'Abnormal Closure',
  1007: 'Invalid Frame Payload Data',
  1008: 'Policy Violation',
  1009: 'Message Too Big',
  1010: 'Mandatory Extension',
  1011: 'Internal Error',
  1012: 'Service Restart',
  1013: 'Try Again Later',
  1014: 'Bad Gateway',
  1015: 'TLS Handshake',
};

/** A person-readable name for a close code, including the ranges RFC 6455 §7.4.2 reserves. */
export function closeCodeMeaning(code: number): string {
  const known = CLOSE_CODE_MEANINGS[code];
  if (known) return known;
  if (code >= 3000 && code <= 3999) return 'Registered (libraries and frameworks)';
  if (code >= 4000 && code <= 4999) return 'Private use';
  return 'Not a valid close code';
}
