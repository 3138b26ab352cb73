// permessage-deflate negotiation (RFC 7692 §7.1) and the Sec-WebSocket-Extensions grammar
// (RFC 6455 §9.1): parsing offers, the server's choice among them, the client's check of the answer.
import { describe, expect, test } from 'vitest';
import {
  acceptDeflateOffer, checkDeflateResponse, deflateOffer, formatExtension, parseExtensions, type ExtensionOffer,
} from '../../../electron/core/protocol/deflate-params.ts';
import { handshakeErrorCode } from '../../support/bytes.ts';

/** The server's answer to a header, as the header it would send (null: declined). */
function answer(header: string, opts = {}): string | null {
  const picked = acceptDeflateOffer(parseExtensions(header), opts);
  return picked ? formatExtension(picked.response) : null;
}

const DEFAULTS = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };

describe('parseExtensions', () => {
  test('reads names and parameters, a bare parameter as true', () => {
    expect(parseExtensions('permessage-deflate; client_max_window_bits; server_max_window_bits=10')).toEqual([
      { name: 'permessage-deflate', params: [['client_max_window_bits', true], ['server_max_window_bits', '10']] },
    ]);
  });

  test('unquotes quoted values', () => {
    expect(parseExtensions('permessage-deflate; server_max_window_bits="10"')[0]!.params).toEqual([['server_max_window_bits', '10']]);
  });

  test('allows whitespace around separators and lower-cases names', () => {
    expect(parseExtensions(' Permessage-Deflate ;\tServer_Max_Window_Bits = 10 ; client_no_context_takeover ,x-foo;a="b c" ')).toEqual([
      { name: 'permessage-deflate', params: [['server_max_window_bits', '10'], ['client_no_context_takeover', true]] },
      { name: 'x-foo', params: [['a', 'b c']] },
    ]);
  });

  test('reads several offers, skipping empty list elements', () => {
    expect(parseExtensions(', permessage-deflate; server_no_context_takeover,, permessage-deflate ,').map(formatExtension))
      .toEqual(['permessage-deflate; server_no_context_takeover', 'permessage-deflate']);
  });

  test('keeps a repeated parameter so that it can be refused', () => {
    expect(parseExtensions('permessage-deflate; server_no_context_takeover; server_no_context_takeover')[0]!.params).toHaveLength(2);
  });

  test.each([
    'permessage-deflate;',
    '; server_no_context_takeover',
    'permessage-deflate; server_max_window_bits="10',
    'permessage-deflate; server_max_window_bits=',
    'permessage-deflate; server_max_window_bits=""',
    'permessage-deflate x',
    'permessage-deflate; a b',
    '"permessage-deflate"',
  ])('refuses %j with WS_ERR_BAD_EXTENSION_HEADER', (header) => {
    expect(handshakeErrorCode(() => parseExtensions(header))).toBe('WS_ERR_BAD_EXTENSION_HEADER');
  });
});

describe('deflateOffer', () => {
  test('offers client_max_window_bits without a value by default (RFC 7692 §7.1.2.2: the server may then limit it)', () => {
    expect(formatExtension(deflateOffer())).toBe('permessage-deflate; client_max_window_bits');
  });

  test('writes every option', () => {
    expect(formatExtension(deflateOffer({
      serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 9, clientMaxWindowBits: 8,
    }))).toBe('permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=8');
  });

  test.each([7, 16, 10.5, Number.NaN])('refuses window bits %d', (bits) => {
    expect(() => deflateOffer({ serverMaxWindowBits: bits })).toThrow(RangeError);
    expect(() => deflateOffer({ clientMaxWindowBits: bits })).toThrow(RangeError);
  });
});

describe('acceptDeflateOffer', () => {
  test('accepts a plain offer with defaults and answers plainly', () => {
    const picked = acceptDeflateOffer(parseExtensions('permessage-deflate'));
    expect(picked!.params).toEqual(DEFAULTS);
    expect(formatExtension(picked!.response)).toBe('permessage-deflate');
    expect(answer('permessage-deflate; client_max_window_bits')).toBe('permessage-deflate');
  });

  test.each([8, 9, 10, 11, 12, 13, 14, 15])('accepts server_max_window_bits=%i and answers with it', (bits) => {
    const picked = acceptDeflateOffer(parseExtensions(`permessage-deflate; server_max_window_bits=${bits}`));
    expect(picked!.params.serverMaxWindowBits).toBe(bits);
    expect(formatExtension(picked!.response)).toBe(`permessage-deflate; server_max_window_bits=${bits}`);
  });

  test.each([8, 9, 10, 11, 12, 13, 14, 15])('accepts client_max_window_bits=%i and answers with it', (bits) => {
    const picked = acceptDeflateOffer(parseExtensions(`permessage-deflate; client_max_window_bits=${bits}`));
    expect(picked!.params.clientMaxWindowBits).toBe(bits);
    expect(formatExtension(picked!.response)).toBe(`permessage-deflate; client_max_window_bits=${bits}`);
  });

  // RFC 7692 §7.1.2: the value is 1*DIGIT from 8 to 15 with no leading zeros.
  test.each(['7', '16', '08', '0', '1O', 'abc', '-9', '9.0'])('declines server_max_window_bits=%s and client_max_window_bits=%s', (value) => {
    expect(answer(`permessage-deflate; server_max_window_bits=${value}`)).toBeNull();
    expect(answer(`permessage-deflate; client_max_window_bits=${value}`)).toBeNull();
  });

  test('declines an empty window-bits value and a bare server_max_window_bits', () => {
    const empty: ExtensionOffer = { name: 'permessage-deflate', params: [['server_max_window_bits', '']] };
    expect(acceptDeflateOffer([empty])).toBeNull();
    expect(answer('permessage-deflate; server_max_window_bits')).toBeNull();
  });

  test.each([
    'permessage-deflate; server_no_context_takeover; server_no_context_takeover',
    'permessage-deflate; client_max_window_bits; client_max_window_bits=10',
    'permessage-deflate; server_max_window_bits=10; server_max_window_bits=10',
  ])('declines an offer repeating a parameter: %s', (header) => {
    expect(answer(header)).toBeNull();
  });

  test.each([
    'permessage-deflate; x_unknown',
    'permessage-deflate; server_no_context_takeover=1',
    'permessage-deflate; client_no_context_takeover="yes"',
  ])('declines an offer with an unknown parameter or a value where none belongs: %s', (header) => {
    expect(answer(header)).toBeNull();
  });

  test.each([
    ['permessage-deflate; x_unknown, permessage-deflate; server_no_context_takeover', 'permessage-deflate; server_no_context_takeover'],
    ['permessage-deflate; server_max_window_bits=16, permessage-deflate; server_max_window_bits=12', 'permessage-deflate; server_max_window_bits=12'],
    ['permessage-deflate; client_max_window_bits=08, permessage-deflate', 'permessage-deflate'],
    ['permessage-deflate; server_no_context_takeover; server_no_context_takeover, permessage-deflate', 'permessage-deflate'],
    ['x-webkit-deflate-frame, permessage-deflate; client_no_context_takeover', 'permessage-deflate; client_no_context_takeover'],
  ])('falls back to the next acceptable offer: %s', (header, expected) => {
    expect(answer(header)).toBe(expected);
  });

  test('takes the first acceptable offer, the client\'s preference', () => {
    expect(answer('permessage-deflate; server_max_window_bits=10, permessage-deflate')).toBe('permessage-deflate; server_max_window_bits=10');
  });

  test('declines when no offer is permessage-deflate', () => {
    expect(answer('x-webkit-deflate-frame, foo; bar')).toBeNull();
    expect(acceptDeflateOffer([])).toBeNull();
  });

  test('applies the server\'s own preferences: no context takeover, and a smaller window of its own', () => {
    const picked = acceptDeflateOffer(parseExtensions('permessage-deflate; server_max_window_bits=12'), { serverNoContextTakeover: true, serverMaxWindowBits: 10 });
    expect(picked!.params).toEqual({ ...DEFAULTS, serverNoContextTakeover: true, serverMaxWindowBits: 10 });
    expect(formatExtension(picked!.response)).toBe('permessage-deflate; server_no_context_takeover; server_max_window_bits=10');
    expect(answer('permessage-deflate; server_max_window_bits=9', { serverMaxWindowBits: 12 })).toBe('permessage-deflate; server_max_window_bits=9');
  });

  test('limits the client\'s window only when the client offered client_max_window_bits (RFC 7692 §7.1.2.2)', () => {
    expect(answer('permessage-deflate; client_max_window_bits', { clientMaxWindowBits: 10 })).toBe('permessage-deflate; client_max_window_bits=10');
    expect(answer('permessage-deflate; client_max_window_bits=12', { clientMaxWindowBits: 10 })).toBe('permessage-deflate; client_max_window_bits=10');
    expect(answer('permessage-deflate', { clientMaxWindowBits: 10 })).toBeNull();
    expect(answer('permessage-deflate, permessage-deflate; client_max_window_bits', { clientMaxWindowBits: 10 })).toBe('permessage-deflate; client_max_window_bits=10');
  });

  test('echoes client_no_context_takeover', () => {
    const picked = acceptDeflateOffer(parseExtensions('permessage-deflate; client_no_context_takeover'));
    expect(picked!.params).toEqual({ ...DEFAULTS, clientNoContextTakeover: true });
  });
});

describe('checkDeflateResponse', () => {
  test('returns null when the server answered no extension', () => {
    expect(checkDeflateResponse(undefined, [{}])).toBeNull();
    expect(checkDeflateResponse('', [{}])).toBeNull();
    expect(checkDeflateResponse('  ', [])).toBeNull();
  });

  test('refuses an answer when nothing was offered, or a different extension, with WS_ERR_UNOFFERED_EXTENSION', () => {
    expect(handshakeErrorCode(() => checkDeflateResponse('permessage-deflate', []))).toBe('WS_ERR_UNOFFERED_EXTENSION');
    expect(handshakeErrorCode(() => checkDeflateResponse('x-webkit-deflate-frame', [{}]))).toBe('WS_ERR_UNOFFERED_EXTENSION');
  });

  test.each([
    ['permessage-deflate, permessage-deflate', 'two extensions'],
    ['permessage-deflate; x_unknown', 'an unknown parameter'],
    ['permessage-deflate; server_no_context_takeover; server_no_context_takeover', 'a repeated parameter'],
    ['permessage-deflate; server_max_window_bits=16', 'window bits above 15'],
    ['permessage-deflate; server_max_window_bits=7', 'window bits below 8'],
    ['permessage-deflate; server_max_window_bits=08', 'a leading zero'],
    ['permessage-deflate; server_max_window_bits', 'server_max_window_bits without a value'],
    ['permessage-deflate; client_max_window_bits', 'client_max_window_bits without a value'],
    ['permessage-deflate; server_no_context_takeover=1', 'a value on a flag'],
  ])('refuses %s (%s) with WS_ERR_BAD_EXTENSION_RESPONSE', (header) => {
    expect(handshakeErrorCode(() => checkDeflateResponse(header, [{}]))).toBe('WS_ERR_BAD_EXTENSION_RESPONSE');
  });

  test('refuses a server window larger than the client asked for', () => {
    expect(handshakeErrorCode(() => checkDeflateResponse('permessage-deflate; server_max_window_bits=12', [{ serverMaxWindowBits: 10 }]))).toBe('WS_ERR_BAD_EXTENSION_RESPONSE');
    expect(checkDeflateResponse('permessage-deflate; server_max_window_bits=9', [{ serverMaxWindowBits: 10 }])!.serverMaxWindowBits).toBe(9);
  });

  test('accepts a server limiting its own window unasked', () => {
    expect(checkDeflateResponse('permessage-deflate; server_max_window_bits=11', [{}])).toEqual({ ...DEFAULTS, serverMaxWindowBits: 11 });
  });

  test('refuses an answer without server_no_context_takeover when the client asked for it', () => {
    expect(handshakeErrorCode(() => checkDeflateResponse('permessage-deflate', [{ serverNoContextTakeover: true }]))).toBe('WS_ERR_BAD_EXTENSION_RESPONSE');
  });

  test('accepts client_max_window_bits=N after the default offer, which sends client_max_window_bits bare', () => {
    // deflateOffer({}) puts the bare client_max_window_bits in the request, so the server may set it.
    expect(formatExtension(deflateOffer({}))).toContain('client_max_window_bits');
    expect(checkDeflateResponse('permessage-deflate; client_max_window_bits=10', [{}])).toEqual({ ...DEFAULTS, clientMaxWindowBits: 10 });
  });

  test('takes the smaller of the offered and answered client window', () => {
    expect(checkDeflateResponse('permessage-deflate; client_max_window_bits=10', [{ clientMaxWindowBits: 12 }])!.clientMaxWindowBits).toBe(10);
    expect(checkDeflateResponse('permessage-deflate', [{ clientMaxWindowBits: 12 }])!.clientMaxWindowBits).toBe(12);
  });

  test('keeps the client\'s own no-context-takeover promise and the server\'s', () => {
    expect(checkDeflateResponse('permessage-deflate', [{ clientNoContextTakeover: true }])).toEqual({ ...DEFAULTS, clientNoContextTakeover: true });
    expect(checkDeflateResponse('permessage-deflate; client_no_context_takeover; server_no_context_takeover', [{}]))
      .toEqual({ ...DEFAULTS, clientNoContextTakeover: true, serverNoContextTakeover: true });
  });

  test('with several offers, accepts an answer that fits any one of them', () => {
    const offers = [{ serverMaxWindowBits: 9, serverNoContextTakeover: true }, {}];
    expect(checkDeflateResponse('permessage-deflate; server_max_window_bits=12', offers)).toEqual({ ...DEFAULTS, serverMaxWindowBits: 12 });
    expect(handshakeErrorCode(() => checkDeflateResponse('permessage-deflate; server_max_window_bits=12', [{ serverMaxWindowBits: 9 }, { serverMaxWindowBits: 10 }])))
      .toBe('WS_ERR_BAD_EXTENSION_RESPONSE');
  });

  test('agrees with acceptDeflateOffer: every server answer to the client\'s own offer is accepted with the same parameters', () => {
    const clientOffers = [{}, { serverNoContextTakeover: true }, { clientMaxWindowBits: 11 as const }, { serverMaxWindowBits: 9, clientNoContextTakeover: true }];
    const serverPrefs = [{}, { serverMaxWindowBits: 10 }, { clientMaxWindowBits: 9 }, { serverNoContextTakeover: true, clientNoContextTakeover: true }];
    for (const offer of clientOffers) {
      for (const prefs of serverPrefs) {
        const picked = acceptDeflateOffer(parseExtensions(formatExtension(deflateOffer(offer))), prefs);
        if (!picked) continue;
        expect(checkDeflateResponse(formatExtension(picked.response), [offer]), `${JSON.stringify(offer)} / ${JSON.stringify(prefs)}`).toEqual(picked.params);
      }
    }
  });
});
