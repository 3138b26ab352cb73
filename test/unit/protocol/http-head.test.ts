// The HTTP/1.1 head of the opening handshake (RFC 9112): collecting it across chunks, parsing start
// line and fields, header lookups, and serialising without letting a line break through.
import { describe, expect, test } from 'vitest';
import { HttpHeadReader, headerTokens, headerValue, parseHead, serializeHead } from '../../../electron/core/protocol/http-head.ts';
import { handshakeErrorCode } from '../../support/bytes.ts';

function bytes(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'latin1'));
}

function text(b: Uint8Array): string {
  return Buffer.from(b).toString('latin1');
}

const REQUEST =
  'GET /chat?x=1 HTTP/1.1\r\n' +
  'Host: server.example.com\r\n' +
  'Upgrade: websocket\r\n' +
  'Connection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
  'Sec-WebSocket-Version: 13\r\n' +
  '\r\n';

describe('HttpHeadReader', () => {
  test('returns the head once the blank line has arrived, with the bytes after it', () => {
    const reader = new HttpHeadReader();
    const got = reader.push(bytes(`${REQUEST}\x81\x05Hello`), 'request');
    expect(got).not.toBeNull();
    expect(got!.head.startLine).toEqual(['GET', '/chat?x=1', 'HTTP/1.1']);
    expect(got!.head.length).toBe(REQUEST.length);
    expect(text(got!.rest)).toBe('\x81\x05Hello');
  });

  test('finds the end of the head wherever the chunks cut CR LF CR LF', () => {
    const all = `${REQUEST}tail`;
    for (let cut = 1; cut < all.length; cut++) {
      const reader = new HttpHeadReader();
      const first = reader.push(bytes(all.slice(0, cut)), 'request');
      const got = first ?? reader.push(bytes(all.slice(cut)), 'request');
      expect(got, `cut at ${cut}`).not.toBeNull();
      expect(got!.head.length).toBe(REQUEST.length);
      // When the first chunk already held the whole head, the rest is what it had after the head.
      const rest = first ? all.slice(REQUEST.length, cut) : 'tail';
      expect(text(got!.rest)).toBe(rest);
    }
  });

  test('one byte per push gives the same head', () => {
    const reader = new HttpHeadReader();
    let got = null;
    for (const ch of REQUEST) {
      expect(got).toBeNull();
      got = reader.push(bytes(ch), 'request');
    }
    expect(got!.head.headers).toHaveLength(5);
    expect(got!.rest.length).toBe(0);
  });

  test('refuses a head growing past the limit with WS_ERR_HEAD_TOO_LARGE', () => {
    const reader = new HttpHeadReader(100);
    expect(reader.push(bytes('GET / HTTP/1.1\r\n'), 'request')).toBeNull();
    expect(handshakeErrorCode(() => reader.push(bytes(`X-Pad: ${'a'.repeat(200)}\r\n`), 'request'))).toBe('WS_ERR_HEAD_TOO_LARGE');
  });

  test('refuses a head larger than the limit even when it arrives complete in one chunk', () => {
    const reader = new HttpHeadReader(100);
    const head = `GET / HTTP/1.1\r\nX-Pad: ${'a'.repeat(200)}\r\n\r\n`;
    expect(handshakeErrorCode(() => reader.push(bytes(head), 'request'))).toBe('WS_ERR_HEAD_TOO_LARGE');
  });

  test('accepts a head of exactly the limit', () => {
    const head = `GET / HTTP/1.1\r\nX: ${'a'.repeat(100 - 23)}\r\n\r\n`;
    expect(head.length).toBe(100);
    expect(new HttpHeadReader(100).push(bytes(head), 'request')).not.toBeNull();
  });
});

describe('parseHead', () => {
  test('reads a response status line, with or without a reason phrase', () => {
    expect(parseHead(bytes('HTTP/1.1 101 Switching Protocols\r\n\r\n'), 'response').startLine).toEqual(['HTTP/1.1', '101', 'Switching Protocols']);
    expect(parseHead(bytes('HTTP/1.1 404\r\n\r\n'), 'response').startLine).toEqual(['HTTP/1.1', '404', '']);
  });

  test('keeps header names as sent, in order, with values trimmed of surrounding whitespace', () => {
    const head = parseHead(bytes('GET / HTTP/1.1\r\nHost:  a.example \r\nX-Two:\tb\r\nx-two: c\r\nEmpty:\r\n\r\n'), 'request');
    expect(head.headers).toEqual([['Host', 'a.example'], ['X-Two', 'b'], ['x-two', 'c'], ['Empty', '']]);
  });

  test.each([
    ['GET /\r\n\r\n', 'WS_ERR_BAD_REQUEST_LINE'],
    ['GET  / HTTP/1.1\r\n\r\n', 'WS_ERR_BAD_REQUEST_LINE'],
    ['GET / HTTP/1.1 extra\r\n\r\n', 'WS_ERR_BAD_REQUEST_LINE'],
    ['G(T / HTTP/1.1\r\n\r\n', 'WS_ERR_BAD_REQUEST_LINE'],
    ['GET / HTTP/1.1\r\nNo colon here\r\n\r\n', 'WS_ERR_BAD_HEADER'],
    ['GET / HTTP/1.1\r\n: empty name\r\n\r\n', 'WS_ERR_BAD_HEADER'],
    ['GET / HTTP/1.1\r\nHost : a\r\n\r\n', 'WS_ERR_BAD_HEADER'],
    // RFC 9112 §5.2: obsolete line folding is not accepted.
    ['GET / HTTP/1.1\r\nX: a\r\n  folded\r\n\r\n', 'WS_ERR_BAD_HEADER'],
  ])('refuses the request head %j with %s', (head, code) => {
    expect(handshakeErrorCode(() => parseHead(bytes(head), 'request'))).toBe(code);
  });

  test.each([
    'HTTP/1.1 10 Short\r\n\r\n',
    'HTTP/1.1 1011 Long\r\n\r\n',
    'HTTP/1.1\r\n\r\n',
    'ICY 200 OK\r\n\r\n',
  ])('refuses the status line of %j with WS_ERR_BAD_STATUS_LINE', (head) => {
    expect(handshakeErrorCode(() => parseHead(bytes(head), 'response'))).toBe('WS_ERR_BAD_STATUS_LINE');
  });
});

describe('header lookups', () => {
  const headers = [['Connection', 'keep-alive'], ['CONNECTION', ' Upgrade ,, x '], ['Host', 'h']] as const;

  test('headerValue matches names case-insensitively and joins repeated fields with ", "', () => {
    expect(headerValue(headers, 'connection')).toBe('keep-alive,  Upgrade ,, x ');
    expect(headerValue(headers, 'HOST')).toBe('h');
    expect(headerValue(headers, 'origin')).toBeUndefined();
  });

  test('headerTokens splits on commas, trims, lower-cases and drops empty tokens', () => {
    expect(headerTokens(headers, 'Connection')).toEqual(['keep-alive', 'upgrade', 'x']);
    expect(headerTokens(headers, 'Upgrade')).toEqual([]);
  });
});

describe('serializeHead', () => {
  test('writes the start line, fields in order and the blank line', () => {
    expect(text(serializeHead('HTTP/1.1 101 Switching Protocols', [['Upgrade', 'websocket'], ['Connection', 'Upgrade']])))
      .toBe('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
  });

  test('round-trips through parseHead', () => {
    const headers = [['Host', 'example.com:8080'], ['X-Thing', 'a, b']] as const;
    const head = parseHead(serializeHead('GET /p HTTP/1.1', headers), 'request');
    expect(head.startLine).toEqual(['GET', '/p', 'HTTP/1.1']);
    expect(head.headers).toEqual(headers);
  });

  test.each([
    [['X-Evil', 'a\r\nSet-Cookie: x=1']],
    [['X-Evil', 'a\nb']],
    [['X-Evil\r\nInjected', 'v']],
  ] as const)('refuses a field containing a line break (header injection): %j', (field) => {
    expect(handshakeErrorCode(() => serializeHead('GET / HTTP/1.1', [field]))).toBe('WS_ERR_BAD_HEADER');
  });
});
