// One direction of a proxied permessage-deflate stream, run with real zlib: a sender compresses with
// context takeover, the proxy passes, edits or drops messages, and the receiver must still inflate
// every later message to the bytes the sender meant — which needs the codec's re-encoding.
import zlib from 'node:zlib';
import { describe, expect, test } from 'vitest';
import type { ProxyDirection } from '../../../shared/api.ts';
import type { DeflateParams } from '../../../electron/core/protocol/deflate-params.ts';
import { PerMessageDeflate } from '../../../electron/core/protocol/deflate.ts';
import { DirectionCodec } from '../../../electron/core/proxy/direction-codec.ts';
import { pattern } from '../../support/bytes.ts';

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const LIMIT = 16 * 1024 * 1024;
const DEFAULTS: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };

const bytes = (s: string) => new Uint8Array(Buffer.from(s));
const str = (b: Uint8Array) => Buffer.from(b).toString();

/**
 * Messages that repeat earlier ones: each names a distinctive token, and the message after it
 * quotes that token again, so the sender's deflate writes back-references into the previous message.
 */
function conversation(count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const token = `token-${i}-${'qwertyuiopasdfghjklzxcvbnm'.slice(i % 13)}-${i * 7919}`;
    const previous = i === 0 ? 'none' : `token-${i - 1}-${'qwertyuiopasdfghjklzxcvbnm'.slice((i - 1) % 13)}-${(i - 1) * 7919}`;
    out.push(bytes(JSON.stringify({ seq: i, token, echo: previous, body: `${token} ${previous} `.repeat(3) })));
  }
  return out;
}

/**
 * The sender's side, the proxy reading it, and the receiver, for `direction` (the sender's role).
 * The proxy reads with its own inflater, as the real one does, and hands the codec the plain text.
 */
function link(direction: ProxyDirection, params: Partial<DeflateParams> = {}) {
  const p = { ...DEFAULTS, ...params };
  const peer = direction === 'client' ? 'server' : 'client';
  const sender = new PerMessageDeflate(p, direction);
  const proxyReader = new PerMessageDeflate(p, peer);
  const receiver = new PerMessageDeflate(p, peer);
  const codec = new DirectionCodec(p, direction);
  /** The sender writes `message`; returns its compressed bytes and what the proxy inflated from them. */
  const send = (message: Uint8Array) => {
    const wire = sender.deflate(message);
    return { wire, plain: proxyReader.inflate(wire, LIMIT) };
  };
  return { sender, receiver, codec, send };
}

/** What a receiver makes of compressed bytes: the text, or the zlib error it raised. */
function received(receiver: PerMessageDeflate, wire: Uint8Array): string {
  try {
    return str(receiver.inflate(wire, LIMIT));
  } catch (err) {
    return `inflate failed: ${(err as Error).message}`;
  }
}

describe('DirectionCodec with context takeover', () => {
  for (const direction of ['client', 'server'] as const) {
    test(`after an edit, re-encoded ${direction} messages inflate to the sender's text at the receiver`, () => {
      const { receiver, codec, send } = link(direction);
      const messages = conversation(8);
      for (const m of messages.slice(0, 3)) {
        const { wire, plain } = send(m);
        codec.passed(plain);
        expect(str(receiver.inflate(wire, LIMIT))).toBe(str(m));
      }
      expect(codec.reencoding).toBe(false);

      send(messages[3]!);
      const edited = bytes('{"seq":3,"edited":true}');
      const editedWire = codec.compress(edited)!;
      expect(codec.reencoding).toBe(true);
      expect(str(receiver.inflate(editedWire, LIMIT))).toBe(str(edited));

      for (const m of messages.slice(4)) {
        const { plain } = send(m);
        const reencoded = codec.compress(plain)!;
        expect(str(receiver.inflate(reencoded, LIMIT))).toBe(str(m));
      }
    });
  }

  test('after a dropped message, missed() makes later messages re-encode correctly', () => {
    const { receiver, codec, send } = link('client');
    const messages = conversation(6);
    for (const m of messages.slice(0, 2)) {
      const { wire, plain } = send(m);
      codec.passed(plain);
      expect(str(receiver.inflate(wire, LIMIT))).toBe(str(m));
    }
    send(messages[2]!);
    codec.missed();
    expect(codec.reencoding).toBe(true);
    for (const m of messages.slice(3)) {
      const { plain } = send(m);
      expect(str(receiver.inflate(codec.compress(plain)!, LIMIT))).toBe(str(m));
    }
  });

  test('without the codec, the sender\'s own bytes after an edit do not inflate to its text', () => {
    const { receiver, codec, send } = link('client');
    // A second receiver that gets every message unedited: the control.
    const untouched = new PerMessageDeflate(DEFAULTS, 'server');
    const messages = conversation(6);
    for (const m of messages.slice(0, 3)) {
      const { wire, plain } = send(m);
      codec.passed(plain);
      receiver.inflate(wire, LIMIT);
      untouched.inflate(wire, LIMIT);
    }
    const original = send(messages[3]!);
    receiver.inflate(codec.compress(bytes('{"seq":3,"edited":true}'))!, LIMIT);
    untouched.inflate(original.wire, LIMIT);
    // Message 4 quotes message 3's token, which the edited receiver never saw.
    const { wire } = send(messages[4]!);
    expect(received(untouched, wire)).toBe(str(messages[4]!));
    expect(received(receiver, wire)).not.toBe(str(messages[4]!));
  });

  test('a small window: the history the codec keeps matches what the receiver can reach', () => {
    const { receiver, codec, send } = link('server', { serverMaxWindowBits: 9 });
    // Each message is larger than the 512-byte window, so the history must slide.
    const messages = conversation(10).map((m, i) => bytes(`${str(m)}${'x'.repeat(300 + i * 50)}${str(m)}`));
    for (const m of messages.slice(0, 4)) {
      const { wire, plain } = send(m);
      codec.passed(plain);
      expect(str(receiver.inflate(wire, LIMIT))).toBe(str(m));
    }
    send(messages[4]!);
    codec.missed();
    for (const m of messages.slice(5)) {
      const { plain } = send(m);
      expect(str(receiver.inflate(codec.compress(plain)!, LIMIT))).toBe(str(m));
    }
  });

  test('an injected message makes the codec re-encode, and a streaming zlib receiver agrees', async () => {
    const { codec, send } = link('client');
    const inflater = zlib.createInflateRaw({ windowBits: 15 });
    const chunks: Buffer[] = [];
    inflater.on('data', (c: Buffer) => chunks.push(c));
    const deliver = async (wire: Uint8Array): Promise<string> => {
      inflater.write(Buffer.concat([wire, TAIL]));
      await new Promise<void>((resolve) => inflater.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
      return Buffer.concat(chunks.splice(0)).toString();
    };
    const messages = conversation(6);
    for (const m of messages.slice(0, 2)) {
      const { wire, plain } = send(m);
      codec.passed(plain);
      expect(await deliver(wire)).toBe(str(m));
    }
    const injected = bytes('{"injected":"by the proxy"}');
    expect(await deliver(codec.compress(injected)!)).toBe(str(injected));
    expect(codec.reencoding).toBe(true);
    for (const m of messages.slice(2)) {
      const { plain } = send(m);
      expect(await deliver(codec.compress(plain)!)).toBe(str(m));
    }
    inflater.close();
  });

  test('re-encoded messages still refer back into the receiver\'s history, so repeats stay small', () => {
    const { receiver, codec, send } = link('client');
    const big = pattern(4000, 1);
    const first = send(big);
    codec.passed(first.plain);
    receiver.inflate(first.wire, LIMIT);
    codec.missed();
    const again = codec.compress(send(big).plain)!;
    expect(again.length).toBeLessThan(100);
    expect(Buffer.from(receiver.inflate(again, LIMIT))).toEqual(Buffer.from(big));
  });

  test('once re-encoding, passed() no longer changes the history', () => {
    const { receiver, codec, send } = link('client');
    const messages = conversation(4);
    const first = send(messages[0]!);
    codec.passed(first.plain);
    receiver.inflate(first.wire, LIMIT);
    codec.missed();
    // The receiver never gets this one, so the codec must not count it as history.
    codec.passed(send(messages[1]!).plain);
    for (const m of messages.slice(2)) {
      const { plain } = send(m);
      expect(str(receiver.inflate(codec.compress(plain)!, LIMIT))).toBe(str(m));
    }
  });
});

describe('DirectionCodec without context takeover', () => {
  test('each compressed message stands alone and nothing re-encodes', () => {
    const { receiver, codec, send } = link('client', { clientNoContextTakeover: true });
    const messages = conversation(5);
    const first = send(messages[0]!);
    codec.passed(first.plain);
    expect(str(receiver.inflate(first.wire, LIMIT))).toBe(str(messages[0]!));

    const edited = bytes('{"edited":true}');
    expect(str(receiver.inflate(codec.compress(edited)!, LIMIT))).toBe(str(edited));
    codec.missed();
    expect(codec.reencoding).toBe(false);

    // The sender's own bytes stay valid after the edit.
    for (const m of messages.slice(1)) {
      const { wire } = send(m);
      expect(str(receiver.inflate(wire, LIMIT))).toBe(str(m));
    }
  });

  test('compress output inflates on its own, with no earlier message as history', () => {
    const codec = new DirectionCodec({ ...DEFAULTS, serverNoContextTakeover: true }, 'server');
    const message = bytes('hello hello hello');
    const first = codec.compress(message)!;
    const second = codec.compress(message)!;
    expect(Buffer.from(second)).toEqual(Buffer.from(first));
    for (const out of [first, second]) {
      const plain = zlib.inflateRawSync(Buffer.concat([out, TAIL]), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
      expect(plain.toString()).toBe('hello hello hello');
    }
    expect(codec.reencoding).toBe(false);
  });

  test('the other direction\'s no-context-takeover flag does not apply', () => {
    const codec = new DirectionCodec({ ...DEFAULTS, serverNoContextTakeover: true }, 'client');
    codec.missed();
    expect(codec.reencoding).toBe(true);
  });
});

describe('DirectionCodec when compression is not possible', () => {
  test('with no deflate negotiated, compress returns null and nothing re-encodes', () => {
    const codec = new DirectionCodec(null, 'server');
    expect(codec.params).toBeNull();
    expect(codec.compress(bytes('x'))).toBeNull();
    codec.missed();
    expect(codec.reencoding).toBe(false);
  });

  test('with an 8-bit window, compress returns null (zlib cannot write one)', () => {
    const codec = new DirectionCodec({ ...DEFAULTS, clientMaxWindowBits: 8 }, 'client');
    expect(codec.compress(bytes('x'))).toBeNull();
    expect(codec.reencoding).toBe(false);
  });

  test('an 8-bit window on the other direction does not stop compression this way', () => {
    const codec = new DirectionCodec({ ...DEFAULTS, clientMaxWindowBits: 8 }, 'server');
    expect(codec.compress(bytes('x'))).not.toBeNull();
  });
});

describe('the reencoding flag', () => {
  test('starts false and stays false while messages pass untouched', () => {
    const { codec, send } = link('server');
    for (const m of conversation(3)) codec.passed(send(m).plain);
    expect(codec.reencoding).toBe(false);
  });

  test('turns on with missed() or compress() and never turns off', () => {
    const missed = new DirectionCodec(DEFAULTS, 'client');
    missed.missed();
    expect(missed.reencoding).toBe(true);
    missed.passed(bytes('x'));
    expect(missed.reencoding).toBe(true);

    const compressed = new DirectionCodec(DEFAULTS, 'client');
    compressed.compress(bytes('x'));
    expect(compressed.reencoding).toBe(true);
  });
});
