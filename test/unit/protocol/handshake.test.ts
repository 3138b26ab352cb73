// The opening handshake (RFC 6455 §4): the client's request, its checks of the server's answer, the
// server's checks of the request, and the responses each side writes.
import { describe, expect, test } from 'vitest';
import { HandshakeError } from '../../../electron/core/protocol/errors.ts';
import {
  acceptKey, buildClientRequest, buildRejection, buildServerResponse, checkClientRequest, checkServerResponse,
  generateKey, UpgradeRequestError,
} from '../../../electron/core/protocol/handshake.ts';
import { parseHead, type HttpHead } from '../../../electron/core/protocol/http-head.ts';

const RFC_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const RFC_ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

function text(b: Uint8Array): string {
  return Buffer.from(b).toString('latin1');
}

function head(lines: readonly string[], kind: 'request' | 'response'): HttpHead {
  return parseHead(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), kind);
}

function thrown(fn: () => unknown): HandshakeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HandshakeError);
    return err as HandshakeError;
  }
  return expect.fail('expected a HandshakeError');
}

describe('keys', () => {
  test('the RFC 6455 §1.3 key dGhlIHNhbXBsZSBub25jZQ== gives s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', () => {
    expect(acceptKey(RFC_KEY)).toBe(RFC_ACCEPT);
  });

  test('generateKey returns 16 random bytes in base64, different each time', () => {
    const a = generateKey();
    const b = generateKey();
    expect(a).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(Buffer.from(a, 'base64')).toHaveLength(16);
    expect(a).not.toBe(b);
  });
});

describe('buildClientRequest', () => {
  test('writes the RFC 6455 §1.2 request byte for byte', () => {
    const req = buildClientRequest({
      host: 'server.example.com', path: '/chat', key: RFC_KEY, subprotocols: ['chat', 'superchat'], origin: 'http://example.com',
    });
    expect(text(req.bytes)).toBe(
      'GET /chat HTTP/1.1\r\n' +
      'Host: server.example.com\r\n' +
      'Upgrade: websocket\r\n' +
      'Connection: Upgrade\r\n' +
      `Sec-WebSocket-Key: ${RFC_KEY}\r\n` +
      'Sec-WebSocket-Version: 13\r\n' +
      'Sec-WebSocket-Protocol: chat, superchat\r\n' +
      'Origin: http://example.com\r\n' +
      '\r\n',
    );
    expect(req.key).toBe(RFC_KEY);
  });

  test('generates a fresh key when none is given', () => {
    const a = buildClientRequest({ host: 'h', path: '/' });
    expect(a.key).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(text(a.bytes)).toContain(`Sec-WebSocket-Key: ${a.key}\r\n`);
  });

  test('offers permessage-deflate in order of preference, and extra headers after its own', () => {
    const req = buildClientRequest({
      host: 'h', path: '/', key: RFC_KEY,
      deflate: [{ clientMaxWindowBits: 10, serverMaxWindowBits: 12, serverNoContextTakeover: true }, {}],
      headers: [['Cookie', 'a=b']],
    });
    const t = text(req.bytes);
    expect(t).toContain('\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; server_max_window_bits=12; client_max_window_bits=10, permessage-deflate; client_max_window_bits\r\n');
    expect(t.endsWith('Cookie: a=b\r\n\r\n')).toBe(true);
  });

  test('refuses an extra header that the handshake sets itself', () => {
    expect(thrown(() => buildClientRequest({ host: 'h', path: '/', headers: [['sec-websocket-key', 'x']] })).code).toBe('WS_ERR_BAD_HEADER');
    expect(thrown(() => buildClientRequest({ host: 'h', path: '/', headers: [['UPGRADE', 'x']] })).code).toBe('WS_ERR_BAD_HEADER');
  });

  test('refuses a subprotocol that is not a token, or listed twice', () => {
    expect(thrown(() => buildClientRequest({ host: 'h', path: '/', subprotocols: ['a b'] })).code).toBe('WS_ERR_BAD_SUBPROTOCOL');
    expect(thrown(() => buildClientRequest({ host: 'h', path: '/', subprotocols: ['a,b'] })).code).toBe('WS_ERR_BAD_SUBPROTOCOL');
    expect(thrown(() => buildClientRequest({ host: 'h', path: '/', subprotocols: ['chat', 'chat'] })).code).toBe('WS_ERR_BAD_SUBPROTOCOL');
  });

  test('refuses a header value with a line break', () => {
    expect(thrown(() => buildClientRequest({ host: 'h', path: '/', headers: [['X', 'a\r\nB: c']] })).code).toBe('WS_ERR_BAD_HEADER');
  });
});

const OK_RESPONSE = [
  'HTTP/1.1 101 Switching Protocols',
  'Upgrade: websocket',
  'Connection: Upgrade',
  `Sec-WebSocket-Accept: ${RFC_ACCEPT}`,
];

/** The valid response with header `name` replaced by `value` (removed when null), or added when absent. */
function responseWith(name: string, value: string | null, extra: readonly string[] = []): HttpHead {
  const lines = OK_RESPONSE.filter((l) => !l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  if (value !== null) lines.push(`${name}: ${value}`);
  return head([...lines, ...extra], 'response');
}

describe('checkServerResponse', () => {
  const expectKey = { key: RFC_KEY };

  test('accepts the RFC response and reports no subprotocol and no extension', () => {
    expect(checkServerResponse(head(OK_RESPONSE, 'response'), expectKey)).toEqual({ protocol: null, deflate: null, extensions: null });
  });

  test('refuses a status other than 101 with WS_ERR_UNEXPECTED_STATUS', () => {
    const h = head(['HTTP/1.1 200 OK', ...OK_RESPONSE.slice(1)], 'response');
    expect(thrown(() => checkServerResponse(h, expectKey)).code).toBe('WS_ERR_UNEXPECTED_STATUS');
  });

  test.each([null, 'h2c', 'websocket2'])('refuses Upgrade %s with WS_ERR_BAD_UPGRADE', (value) => {
    expect(thrown(() => checkServerResponse(responseWith('Upgrade', value), expectKey)).code).toBe('WS_ERR_BAD_UPGRADE');
  });

  test('accepts Upgrade in any case', () => {
    expect(() => checkServerResponse(responseWith('Upgrade', 'WebSocket'), expectKey)).not.toThrow();
  });

  test.each([null, 'keep-alive', 'close', 'upgrades'])('refuses Connection %s with WS_ERR_BAD_CONNECTION', (value) => {
    expect(thrown(() => checkServerResponse(responseWith('Connection', value), expectKey)).code).toBe('WS_ERR_BAD_CONNECTION');
  });

  test.each(['keep-alive, Upgrade', 'UPGRADE', 'upgrade', 'Upgrade , keep-alive', 'keep-alive,upgrade'])(
    'accepts Connection "%s" (a comma-separated token list, case-insensitive)',
    (value) => {
      expect(() => checkServerResponse(responseWith('Connection', value), expectKey)).not.toThrow();
    },
  );

  test('accepts the Upgrade token in a second Connection field', () => {
    expect(() => checkServerResponse(responseWith('Connection', 'keep-alive', ['Connection: Upgrade']), expectKey)).not.toThrow();
  });

  test.each([null, '', 'dGhlIHNhbXBsZSBub25jZQ==', RFC_ACCEPT.toLowerCase(), acceptKey('AAAAAAAAAAAAAAAAAAAAAA==')])(
    'refuses Sec-WebSocket-Accept %j with WS_ERR_BAD_ACCEPT',
    (value) => {
      expect(thrown(() => checkServerResponse(responseWith('Sec-WebSocket-Accept', value), expectKey)).code).toBe('WS_ERR_BAD_ACCEPT');
    },
  );

  test('refuses a subprotocol when none was requested', () => {
    const h = responseWith('Sec-WebSocket-Protocol', 'chat');
    expect(thrown(() => checkServerResponse(h, expectKey)).code).toBe('WS_ERR_BAD_SUBPROTOCOL');
  });

  test('refuses a subprotocol that was not offered, or several at once', () => {
    const offered = { key: RFC_KEY, subprotocols: ['chat', 'superchat'] };
    expect(thrown(() => checkServerResponse(responseWith('Sec-WebSocket-Protocol', 'other'), offered)).code).toBe('WS_ERR_BAD_SUBPROTOCOL');
    expect(thrown(() => checkServerResponse(responseWith('Sec-WebSocket-Protocol', 'chat, superchat'), offered)).code).toBe('WS_ERR_BAD_SUBPROTOCOL');
  });

  test('returns the offered subprotocol the server picked, and null when it picked none', () => {
    const offered = { key: RFC_KEY, subprotocols: ['chat', 'superchat'] };
    expect(checkServerResponse(responseWith('Sec-WebSocket-Protocol', 'superchat'), offered).protocol).toBe('superchat');
    expect(checkServerResponse(head(OK_RESPONSE, 'response'), offered).protocol).toBeNull();
  });

  test('refuses an extension that was not offered with WS_ERR_UNOFFERED_EXTENSION', () => {
    const h = responseWith('Sec-WebSocket-Extensions', 'permessage-deflate');
    expect(thrown(() => checkServerResponse(h, expectKey)).code).toBe('WS_ERR_UNOFFERED_EXTENSION');
    const other = responseWith('Sec-WebSocket-Extensions', 'x-webkit-deflate-frame');
    expect(thrown(() => checkServerResponse(other, { key: RFC_KEY, deflate: [{}] })).code).toBe('WS_ERR_UNOFFERED_EXTENSION');
  });

  test('returns the negotiated deflate parameters and the header as sent', () => {
    const h = responseWith('Sec-WebSocket-Extensions', 'permessage-deflate; server_no_context_takeover');
    const got = checkServerResponse(h, { key: RFC_KEY, deflate: [{}] });
    expect(got.extensions).toBe('permessage-deflate; server_no_context_takeover');
    expect(got.deflate).toEqual({ serverNoContextTakeover: true, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 });
  });
});

const OK_REQUEST = [
  'GET /chat HTTP/1.1',
  'Host: server.example.com',
  'Upgrade: websocket',
  'Connection: Upgrade',
  `Sec-WebSocket-Key: ${RFC_KEY}`,
  'Sec-WebSocket-Version: 13',
];

function requestWith(name: string, value: string | null, startLine = OK_REQUEST[0]!): HttpHead {
  const lines = OK_REQUEST.slice(1).filter((l) => !l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  if (value !== null) lines.push(`${name}: ${value}`);
  return head([startLine, ...lines], 'request');
}

function refusal(h: HttpHead): UpgradeRequestError {
  const err = thrown(() => checkClientRequest(h));
  expect(err).toBeInstanceOf(UpgradeRequestError);
  return err as UpgradeRequestError;
}

describe('checkClientRequest', () => {
  test('accepts the RFC request and reports its fields', () => {
    const req = checkClientRequest(head([...OK_REQUEST, 'Origin: http://example.com', 'Sec-WebSocket-Protocol: chat, superchat',
      'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits'], 'request'));
    expect(req).toMatchObject({
      method: 'GET', path: '/chat', host: 'server.example.com', key: RFC_KEY, origin: 'http://example.com',
      subprotocols: ['chat', 'superchat'],
      extensions: [{ name: 'permessage-deflate', params: [['client_max_window_bits', true]] }],
    });
  });

  test('accepts Connection "keep-alive, Upgrade" and Upgrade "WebSocket"', () => {
    const h = head([OK_REQUEST[0]!, 'Host: h', 'Upgrade: WebSocket', 'Connection: keep-alive, Upgrade', `Sec-WebSocket-Key: ${RFC_KEY}`, 'Sec-WebSocket-Version: 13'], 'request');
    expect(checkClientRequest(h).origin).toBeNull();
  });

  test('refuses a method other than GET with 405 and Allow: GET', () => {
    const err = refusal(requestWith('Host', 'h', 'POST /chat HTTP/1.1'));
    expect([err.code, err.status, err.responseHeaders]).toEqual(['WS_ERR_BAD_METHOD', 405, [['Allow', 'GET']]]);
  });

  test('refuses HTTP/1.0 with 505', () => {
    const err = refusal(requestWith('Host', 'h', 'GET /chat HTTP/1.0'));
    expect([err.code, err.status]).toEqual(['WS_ERR_BAD_HTTP_VERSION', 505]);
  });

  test('refuses a request without Host with 400', () => {
    for (const h of [requestWith('Host', null), requestWith('Host', '')]) {
      const err = refusal(h);
      expect([err.code, err.status]).toEqual(['WS_ERR_MISSING_HOST', 400]);
    }
  });

  test('refuses a missing or wrong Upgrade with 426 and Upgrade: websocket', () => {
    for (const h of [requestWith('Upgrade', null), requestWith('Upgrade', 'h2c')]) {
      const err = refusal(h);
      expect([err.code, err.status, err.responseHeaders]).toEqual(['WS_ERR_BAD_UPGRADE', 426, [['Upgrade', 'websocket']]]);
    }
  });

  test('refuses a Connection without the Upgrade token with 400', () => {
    for (const h of [requestWith('Connection', null), requestWith('Connection', 'keep-alive')]) {
      const err = refusal(h);
      expect([err.code, err.status]).toEqual(['WS_ERR_BAD_CONNECTION', 400]);
    }
  });

  test.each([null, '8', '12', '14', '13, 8', ''])('refuses Sec-WebSocket-Version %j with 426 and Sec-WebSocket-Version: 13 (RFC 6455 §4.4)', (value) => {
    const err = refusal(requestWith('Sec-WebSocket-Version', value));
    expect([err.code, err.status, err.responseHeaders]).toEqual(['WS_ERR_BAD_VERSION', 426, [['Sec-WebSocket-Version', '13']]]);
  });

  test.each([null, '', 'abc', 'dGhlIHNhbXBsZSBub25jZQ', 'dGhlIHNhbXBsZSBub25jZQ=', 'dGhlIHNhbXBsZSBub25jZSE=', 'dGhlIHNhbXBsZSBub25jZQ==x', 'dGhl*HNhbXBsZSBub25jZQ=='])(
    'refuses Sec-WebSocket-Key %j with 400 (it must be 16 bytes in base64)',
    (value) => {
      const err = refusal(requestWith('Sec-WebSocket-Key', value));
      expect([err.code, err.status]).toEqual(['WS_ERR_BAD_KEY', 400]);
    },
  );

  test.each(['chat, chat', 'a b', 'chat,', '"chat"'])('refuses Sec-WebSocket-Protocol %j with WS_ERR_BAD_SUBPROTOCOL', (value) => {
    expect(refusal(requestWith('Sec-WebSocket-Protocol', value)).code).toBe('WS_ERR_BAD_SUBPROTOCOL');
  });

  test('refuses a malformed Sec-WebSocket-Extensions with WS_ERR_BAD_EXTENSION_HEADER', () => {
    expect(refusal(requestWith('Sec-WebSocket-Extensions', 'permessage-deflate; ="x"')).code).toBe('WS_ERR_BAD_EXTENSION_HEADER');
  });
});

describe('buildServerResponse and buildRejection', () => {
  const request = checkClientRequest(head([...OK_REQUEST, 'Sec-WebSocket-Protocol: chat, superchat',
    'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits'], 'request'));

  test('writes the RFC 6455 §1.3 response byte for byte', () => {
    expect(text(buildServerResponse(request).bytes)).toBe(
      'HTTP/1.1 101 Switching Protocols\r\n' +
      'Upgrade: websocket\r\n' +
      'Connection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${RFC_ACCEPT}\r\n` +
      '\r\n',
    );
  });

  test('selects an offered subprotocol and accepts deflate when asked; the client accepts that answer', () => {
    const res = buildServerResponse(request, { protocol: 'chat', deflate: {} });
    expect(text(res.bytes)).toContain('\r\nSec-WebSocket-Protocol: chat\r\n');
    expect(text(res.bytes)).toContain('\r\nSec-WebSocket-Extensions: permessage-deflate\r\n');
    const back = checkServerResponse(parseHead(res.bytes, 'response'), { key: RFC_KEY, subprotocols: ['chat', 'superchat'], deflate: [{}] });
    expect(back.protocol).toBe('chat');
    expect(back.deflate).toEqual(res.deflate);
  });

  test('refuses to select a subprotocol the client did not offer', () => {
    expect(thrown(() => buildServerResponse(request, { protocol: 'mqtt' })).code).toBe('WS_ERR_BAD_SUBPROTOCOL');
  });

  test('a rejection carries its status, headers, Content-Length, Connection: close and body', () => {
    const t = text(buildRejection(403, 'Forbidden', [['X-Why', 'origin']], 'not from here é'));
    const [h, body] = t.split('\r\n\r\n');
    expect(h).toBe('HTTP/1.1 403 Forbidden\r\nX-Why: origin\r\nContent-Length: 16\r\nConnection: close');
    expect(Buffer.from(body!, 'latin1').toString('utf8')).toBe('not from here é');
  });
});
