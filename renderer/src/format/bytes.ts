// Bytes as the UI shows and reads them: base64 from the engine, hex dumps, sizes, and the checks
// the composer runs on hex and base64 input before anything is sent.

export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const utf8Encoder = new TextEncoder();
const strictUtf8Decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8Bytes(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** The bytes as text, or null when they are not valid UTF-8. */
export function utf8Text(bytes: Uint8Array): string | null {
  try {
    return strictUtf8Decoder.decode(bytes);
  } catch {
    return null;
  }
}

/** 1 B, 1.5 KiB, 2.0 MiB */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

const HEX_DIGITS = '0123456789abcdef';

function hexByte(value: number): string {
  return HEX_DIGITS[value >> 4]! + HEX_DIGITS[value & 15]!;
}

/**
 * A classic hex dump, 16 bytes a line: offset, hex in two groups of eight, printable ASCII.
 * `limit` caps the bytes shown so a multi-megabyte payload does not build a huge string.
 */
export function hexDump(bytes: Uint8Array, limit = bytes.length): string {
  const end = Math.min(bytes.length, limit);
  const lines: string[] = [];
  for (let offset = 0; offset < end; offset += 16) {
    let hex = '';
    let ascii = '';
    for (let i = 0; i < 16; i++) {
      const at = offset + i;
      if (i === 8) hex += ' ';
      if (at < end) {
        const value = bytes[at]!;
        hex += `${hexByte(value)} `;
        ascii += value >= 0x20 && value < 0x7f ? String.fromCharCode(value) : '.';
      } else {
        hex += '   ';
      }
    }
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex} |${ascii}|`);
  }
  return lines.join('\n');
}

/** Bytes as editable hex: pairs separated by spaces, 16 a line. */
export function bytesToHex(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const pairs: string[] = [];
    for (let at = offset; at < Math.min(bytes.length, offset + 16); at++) pairs.push(hexByte(bytes[at]!));
    lines.push(pairs.join(' '));
  }
  return lines.join('\n');
}

/** The bytes of a hex string that checkHex accepted (whitespace between digits is ignored). */
export function hexToBytes(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, '');
  const bytes = new Uint8Array(digits.length >> 1);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** How many bytes a hex string holds, or an explanation of what is wrong with it. */
export function checkHex(text: string): { bytes: number } | { problem: string } {
  const digits = text.replace(/\s+/g, '');
  const bad = digits.search(/[^0-9a-fA-F]/);
  if (bad !== -1) return { problem: `"${digits[bad]}" is not a hex digit — use 0-9 and a-f, spaces allowed between bytes.` };
  if (digits.length % 2 !== 0) return { problem: 'Hex needs two digits per byte — the last byte has only one.' };
  return { bytes: digits.length / 2 };
}

/** How many bytes a base64 string holds, or an explanation of what is wrong with it. */
export function checkBase64(text: string): { bytes: number } | { problem: string } {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
    return { problem: 'This is not valid base64 — use A-Z, a-z, 0-9, + and /, padded with = to a multiple of 4.' };
  }
  try {
    return { bytes: atob(compact).length };
  } catch {
    return { problem: 'This is not valid base64 — check for a missing or extra character.' };
  }
}
