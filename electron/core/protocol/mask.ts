// RFC 6455 §5.3 masking: XOR with a 4-byte key, done a 32-bit word at a time on the aligned middle
// of the buffer (the key is rotated to match), bytes only at the unaligned edges.

const scratch = new Uint8Array(4);
const scratchWord = new Uint32Array(scratch.buffer);

/** The key as one native-endian 32-bit word, rotated to start at key byte `p`. */
function keyWord(key: Uint8Array, p: number): number {
  scratch[0] = key[p]!;
  scratch[1] = key[(p + 1) & 3]!;
  scratch[2] = key[(p + 2) & 3]!;
  scratch[3] = key[(p + 3) & 3]!;
  return scratchWord[0]!;
}

/** Below this many bytes a plain byte loop beats building a word view. */
const WORD_LOOP_MIN = 48;
/** Below this many bytes one unrolled copy-and-XOR pass beats set() plus the word loop. */
const COPY_LOOP_MAX = 256;

/**
 * XORs `len` bytes of `buf` from `offset` with `key`, in place. `keyPos` is the index into the key
 * of the first byte (the byte's position within the frame payload, modulo 4), so a payload can be
 * (un)masked piece by piece as it arrives.
 */
export function maskInPlace(buf: Uint8Array, offset: number, len: number, key: Uint8Array, keyPos = 0): void {
  const k0 = key[0]!, k1 = key[1]!, k2 = key[2]!, k3 = key[3]!;
  let i = offset;
  const end = offset + len;
  let p = keyPos & 3;
  if (len < WORD_LOOP_MIN) {
    for (; i < end; i++, p = (p + 1) & 3) buf[i]! ^= p === 0 ? k0 : p === 1 ? k1 : p === 2 ? k2 : k3;
    return;
  }
  // Bytes up to the first 4-byte aligned address.
  const head = (4 - ((buf.byteOffset + i) & 3)) & 3;
  for (const stop = i + head; i < stop; i++, p = (p + 1) & 3) buf[i]! ^= key[p]!;
  const word = keyWord(key, p);
  const words = (end - i) >>> 2;
  const view = new Uint32Array(buf.buffer, buf.byteOffset + i, words);
  let w = 0;
  for (const unrolled = words & ~3; w < unrolled; w += 4) {
    view[w]! ^= word;
    view[w + 1]! ^= word;
    view[w + 2]! ^= word;
    view[w + 3]! ^= word;
  }
  for (; w < words; w++) view[w]! ^= word;
  i += words << 2;
  // The word loop consumed a multiple of 4 bytes, so the key position is unchanged.
  for (; i < end; i++, p = (p + 1) & 3) buf[i]! ^= key[p]!;
}

/** Copies `src[srcOff, srcOff+len)` into `dst` at `dstOff`, masked with `key` from `keyPos`. */
export function copyMasked(
  src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number, len: number, key: Uint8Array, keyPos = 0,
): void {
  if (len < COPY_LOOP_MAX) {
    // Key rotated to start at keyPos, then 4 bytes per step with no branch on the key position.
    const p = keyPos & 3;
    const k0 = key[p]!, k1 = key[(p + 1) & 3]!, k2 = key[(p + 2) & 3]!, k3 = key[(p + 3) & 3]!;
    let i = 0;
    for (const stop = len & ~3; i < stop; i += 4) {
      dst[dstOff + i] = src[srcOff + i]! ^ k0;
      dst[dstOff + i + 1] = src[srcOff + i + 1]! ^ k1;
      dst[dstOff + i + 2] = src[srcOff + i + 2]! ^ k2;
      dst[dstOff + i + 3] = src[srcOff + i + 3]! ^ k3;
    }
    if (i < len) dst[dstOff + i] = src[srcOff + i]! ^ k0;
    if (i + 1 < len) dst[dstOff + i + 1] = src[srcOff + i + 1]! ^ k1;
    if (i + 2 < len) dst[dstOff + i + 2] = src[srcOff + i + 2]! ^ k2;
    return;
  }
  dst.set(src.subarray(srcOff, srcOff + len), dstOff);
  maskInPlace(dst, dstOff, len, key, keyPos);
}

/**
 * Unmasks small payloads into slices of a shared 64 KiB pool (like Buffer.allocUnsafe's, but with
 * one long-lived word view over it): a memcpy, then whole 32-bit words XORed, the padding to the
 * next 8-byte boundary included, so no per-payload view or byte loop is needed.
 */
export class UnmaskPool {
  static readonly MAX = 4096;
  private static readonly SIZE = 64 * 1024;
  private buffer = new ArrayBuffer(UnmaskPool.SIZE);
  private bytes = new Uint8Array(this.buffer);
  private words = new Uint32Array(this.buffer);
  private used = 0;

  /** `len` must be at most UnmaskPool.MAX. */
  unmask(src: Uint8Array, srcOff: number, len: number, key: Uint8Array, keyPos: number): Uint8Array {
    const size = (len + 7) & ~7;
    if (this.used + size > UnmaskPool.SIZE) {
      this.buffer = new ArrayBuffer(UnmaskPool.SIZE);
      this.bytes = new Uint8Array(this.buffer);
      this.words = new Uint32Array(this.buffer);
      this.used = 0;
    }
    const off = this.used;
    this.used += size;
    if (len <= 32) {
      // Tiny payloads: the byte-wise copy-and-XOR beats building the memcpy's source view.
      copyMasked(src, srcOff, this.bytes, off, len, key, keyPos);
      return new Uint8Array(this.buffer, off, len);
    }
    this.bytes.set(new Uint8Array(src.buffer, src.byteOffset + srcOff, len), off);
    const word = keyWord(key, keyPos & 3);
    const words = this.words;
    for (let w = off >>> 2, end = (off + len + 3) >>> 2; w < end; w++) words[w]! ^= word;
    return new Uint8Array(this.buffer, off, len);
  }
}
