// Bytes as the UI shows and reads them: base64 from the engine, hex dumps, sizes, and the checks
// the composer runs on hex and base64 input before anything is sent.

export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
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
