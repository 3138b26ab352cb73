import { describe, expect, test } from 'vitest';
import { decodeChunked } from '../../../electron/core/client/client-connection.ts';

describe('decodeChunked', () => {
  const whole = Buffer.from('4\r\nWiki\r\n6;ext=1\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\n\r\n');

  test('joins the chunks and sees the last one (extensions ignored)', () => {
    expect(decodeChunked(whole)).toEqual({ body: Buffer.from('Wikipedia in \r\n\r\nchunks.'), complete: true });
  });

  test('a body cut anywhere gives the data so far and is not complete', () => {
    for (let cut = 0; cut < whole.length - 5; cut++) {
      const { body, complete } = decodeChunked(whole.subarray(0, cut));
      expect(complete).toBe(false);
      expect('Wikipedia in \r\n\r\nchunks.'.startsWith(body.toString())).toBe(true);
    }
  });

  test('an empty chunked body is complete at once', () => {
    expect(decodeChunked(Buffer.from('0\r\n\r\n'))).toEqual({ body: Buffer.alloc(0), complete: true });
  });
});
