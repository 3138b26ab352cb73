// permessage-deflate data path (RFC 7692 §7.2): the RFC's byte examples checked against real zlib,
// round trips with and without context takeover in each direction, interop with streaming zlib, limits.
import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { DeflateParams } from '../../../electron/core/protocol/deflate-params.ts';
import { InflateDataError, InflateLimitError, PerMessageDeflate, SlidingWindow } from '../../../electron/core/protocol/deflate.ts';
import { hex, toHex } from '../../support/bytes.ts';

const TAIL = hex('00 00 ff ff');
const HELLO = new Uint8Array(Buffer.from('Hello'));
const DEFAULTS: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
const LIMIT = 16 * 1024 * 1024;

function pair(params: Partial<DeflateParams> = {}) {
  const p = { ...DEFAULTS, ...params };
  return { client: new PerMessageDeflate(p, 'client'), server: new PerMessageDeflate(p, 'server') };
}

/** What a long-lived zlib stream produces per message, the way most peers compress (sync flush, tail stripped). */
async function streamingDeflate(messages: readonly Uint8Array[], windowBits = 15): Promise<Uint8Array[]> {
  const d = zlib.createDeflateRaw({ windowBits });
  const chunks: Buffer[] = [];
  d.on('data', (c: Buffer) => chunks.push(c));
  const out: Uint8Array[] = [];
  for (const m of messages) {
    d.write(m);
    await new Promise<void>((resolve) => d.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
    const all = Buffer.concat(chunks.splice(0));
    expect(toHex(all.subarray(all.length - 4))).toBe('00 00 ff ff');
    out.push(all.subarray(0, all.length - 4));
  }
  d.close();
  return out;
}

/** What a long-lived zlib inflate stream makes of the messages, appending the tail to each. */
async function streamingInflate(messages: readonly Uint8Array[]): Promise<Uint8Array[]> {
  const inf = zlib.createInflateRaw({ windowBits: 15 });
  const chunks: Buffer[] = [];
  inf.on('data', (c: Buffer) => chunks.push(c));
  const out: Uint8Array[] = [];
  for (const m of messages) {
    inf.write(Buffer.concat([m, TAIL]));
    await new Promise<void>((resolve) => inf.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
    out.push(Buffer.concat(chunks.splice(0)));
  }
  inf.close();
  return out;
}

/** Text-like messages that repeat each other from far back, so back-references span messages. */
function corpus(count: number, seed: number): Uint8Array[] {
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', '{"id":', '"value":', '},', '\n'];
  let x = seed >>> 0 || 1;
  const next = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    let s = '';
    const n = 50 + (next() % 3000);
    while (s.length < n) s += `${words[next() % words.length]}${next() % 1000} `;
    out.push(new Uint8Array(Buffer.from(s)));
  }
  return out;
}

describe('RFC 7692 §7.2.3 examples', () => {
  test('"Hello" compresses to f2 48 cd c9 c9 07 00, as real zlib makes it', async () => {
    const [fromZlib] = await streamingDeflate([HELLO]);
    expect(toHex(fromZlib!)).toBe('f2 48 cd c9 c9 07 00');
    expect(toHex(pair().client.deflate(HELLO))).toBe('f2 48 cd c9 c9 07 00');
  });

  test('"Hello" sent twice with context takeover compresses the second time to f2 00 11 00 00, as real zlib makes it', async () => {
    const fromZlib = await streamingDeflate([HELLO, HELLO]);
    expect(fromZlib.map(toHex)).toEqual(['f2 48 cd c9 c9 07 00', 'f2 00 11 00 00']);
    const { client } = pair();
    expect([client.deflate(HELLO), client.deflate(HELLO)].map(toHex)).toEqual(fromZlib.map(toHex));
  });

  test('without context takeover the second "Hello" compresses alone again', () => {
    const { client } = pair({ clientNoContextTakeover: true });
    expect([client.deflate(HELLO), client.deflate(HELLO)].map(toHex)).toEqual(['f2 48 cd c9 c9 07 00', 'f2 48 cd c9 c9 07 00']);
  });

  test('inflates f2 48 cd c9 c9 07 00 then, with context takeover, f2 00 11 00 00 to "Hello" twice', () => {
    const { server } = pair();
    expect(Buffer.from(server.inflate(hex('f2 48 cd c9 c9 07 00'), LIMIT)).toString()).toBe('Hello');
    expect(Buffer.from(server.inflate(hex('f2 00 11 00 00'), LIMIT)).toString()).toBe('Hello');
  });

  test('cannot inflate f2 00 11 00 00 when the client promised no context takeover (the history is gone)', () => {
    const { server } = pair({ clientNoContextTakeover: true });
    server.inflate(hex('f2 48 cd c9 c9 07 00'), LIMIT);
    expect(() => server.inflate(hex('f2 00 11 00 00'), LIMIT)).toThrow(InflateDataError);
  });

  test.each([
    ['a stored block (§7.2.3.3)', '00 05 00 fa ff 48 65 6c 6c 6f 00'],
    ['a block with BFINAL set (§7.2.3.4)', 'f3 48 cd c9 c9 07 00 00'],
    ['two DEFLATE blocks (§7.2.3.5)', 'f2 48 05 00 00 00 ff ff ca c9 c9 07 00'],
  ])('inflates "Hello" sent as %s', (_what, bytes) => {
    expect(Buffer.from(pair().server.inflate(hex(bytes), LIMIT)).toString()).toBe('Hello');
  });

  test('an empty message compresses to 00 (§7.2.3.6) and inflates back to nothing', () => {
    const { client, server } = pair();
    const c = client.deflate(new Uint8Array(0));
    expect(toHex(c)).toBe('00');
    expect(server.inflate(c, LIMIT).length).toBe(0);
  });
});

describe('round trips', () => {
  const combos: ReadonlyArray<Partial<DeflateParams>> = [
    {},
    { clientNoContextTakeover: true },
    { serverNoContextTakeover: true },
    { clientNoContextTakeover: true, serverNoContextTakeover: true },
    { clientMaxWindowBits: 9, serverMaxWindowBits: 10 },
    { clientMaxWindowBits: 12, serverMaxWindowBits: 9, serverNoContextTakeover: true },
  ];

  test.each(combos)('messages both ways come back unchanged with %j', (params) => {
    const { client, server } = pair(params);
    const messages = [HELLO, HELLO, new Uint8Array(0), ...corpus(12, 99), new Uint8Array(70_000).map((_, i) => (i * 2654435761) >>> 24), HELLO];
    for (const m of messages) {
      expect(Buffer.compare(server.inflate(client.deflate(m), LIMIT), m)).toBe(0);
      expect(Buffer.compare(client.inflate(server.deflate(m), LIMIT), m)).toBe(0);
    }
  });

  test('context takeover shrinks a repeated message; without it the size stays the same', () => {
    const message = corpus(1, 5)[0]!;
    const withTakeover = pair().client;
    const first = withTakeover.deflate(message).length;
    const second = withTakeover.deflate(message).length;
    expect(second).toBeLessThan(first / 10);

    const without = pair({ clientNoContextTakeover: true }).client;
    expect(without.deflate(message).length).toBe(first);
    expect(without.deflate(message).length).toBe(first);
  });

  test('each direction keeps its own history: the server\'s messages do not prime the client\'s', () => {
    const { client, server } = pair();
    const m = corpus(1, 8)[0]!;
    // The server sends m; the client has seen it, but the client's own sending history is still empty.
    client.inflate(server.deflate(m), LIMIT);
    expect(client.deflate(m).length).toBe(pair().client.deflate(m).length);
  });
});

describe('interop with streaming zlib', () => {
  test('inflates 40 messages from a long-lived zlib deflater, with history reaching back across messages', async () => {
    const messages = corpus(40, 1234);
    expect(messages.reduce((n, m) => n + m.length, 0)).toBeGreaterThan(40_000);
    const compressed = await streamingDeflate(messages);
    const { client } = pair();
    compressed.forEach((c, i) => {
      expect(Buffer.compare(client.inflate(c, LIMIT), messages[i]!), `message ${i}`).toBe(0);
    });
  });

  test('inflates a zlib deflater limited to a 2^10 window when server_max_window_bits=10', async () => {
    const messages = corpus(30, 77);
    const compressed = await streamingDeflate(messages, 10);
    const { client } = pair({ serverMaxWindowBits: 10 });
    compressed.forEach((c, i) => {
      expect(Buffer.compare(client.inflate(c, LIMIT), messages[i]!), `message ${i}`).toBe(0);
    });
  });

  test.each([15, 11, 9])('its messages inflate in a long-lived zlib inflater (window bits %i)', async (bits) => {
    const messages = corpus(40, 4321 + bits);
    const { client } = pair({ clientMaxWindowBits: bits });
    const inflated = await streamingInflate(messages.map((m) => client.deflate(m)));
    inflated.forEach((m, i) => expect(Buffer.compare(m, messages[i]!), `message ${i}`).toBe(0));
  });
});

describe('limits and failures', () => {
  test('refuses a message that inflates past the limit with InflateLimitError', () => {
    const { client, server } = pair();
    const bomb = client.deflate(new Uint8Array(1_000_000));
    expect(bomb.length).toBeLessThan(2000);
    expect(() => server.inflate(bomb, 999_999)).toThrow(InflateLimitError);
  });

  test('inflates a message of exactly the limit', () => {
    const { client, server } = pair();
    expect(server.inflate(client.deflate(new Uint8Array(4096).fill(7)), 4096).length).toBe(4096);
  });

  test('refuses bytes that are not DEFLATE data with InflateDataError', () => {
    // BTYPE 11 is reserved (RFC 1951 §3.2.3).
    expect(() => pair().server.inflate(hex('07 ff ff ff'), LIMIT)).toThrow(InflateDataError);
  });

  test('cannot compress with an 8-bit window (zlib would use 9) but can with 9', () => {
    expect(new PerMessageDeflate({ ...DEFAULTS, clientMaxWindowBits: 8 }, 'client').canCompress).toBe(false);
    expect(new PerMessageDeflate({ ...DEFAULTS, clientMaxWindowBits: 9 }, 'client').canCompress).toBe(true);
    expect(new PerMessageDeflate({ ...DEFAULTS, clientMaxWindowBits: 8 }, 'server').canCompress).toBe(true);
  });

  test('inflates what a zlib peer limited to server_max_window_bits=8 sends (zlib deflates with a 9-bit window)', async () => {
    const messages = corpus(20, 3);
    const compressed = await streamingDeflate(messages, 8);
    const receiver = pair({ serverMaxWindowBits: 8, clientMaxWindowBits: 8 }).client;
    compressed.forEach((c, i) => {
      expect(Buffer.compare(receiver.inflate(c, LIMIT), messages[i]!), `message ${i}`).toBe(0);
    });
  });
});

describe('SlidingWindow', () => {
  test('keeps exactly the last 2^bits bytes of everything appended, whatever the message sizes', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 700 }), { maxLength: 40 }), (messages) => {
      const w = new SlidingWindow(9);
      let all = Buffer.alloc(0);
      for (const m of messages) {
        w.append(m);
        all = Buffer.concat([all, m]);
        const want = all.subarray(Math.max(0, all.length - 512));
        expect(Buffer.from(w.dictionary ?? new Uint8Array(0)).equals(want)).toBe(true);
      }
    }));
  });
});
