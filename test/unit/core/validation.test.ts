// Argument schemas of the command map: what passes, what is refused, and messages that name the field.
import { describe, expect, test } from 'vitest';
import { COMMAND_NAMES, type ConnectOptions } from '../../../shared/api.ts';
import { InvalidArgumentError, isCommandName, validateArgument } from '../../../electron/core/validation.ts';

function refusal(name: Parameters<typeof validateArgument>[0], arg: unknown): string {
  try {
    validateArgument(name, arg);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return (err as Error).message;
  }
  throw new Error(`${name} accepted ${JSON.stringify(arg)}`);
}

describe('isCommandName', () => {
  test('knows every command of the contract', () => {
    for (const name of COMMAND_NAMES) expect(isCommandName(name)).toBe(true);
  });

  test.each(['toString', 'hasOwnProperty', '__proto__', 'constructor', 'connections', 'connections.open '])('does not take %j for a command', (name) => {
    expect(isCommandName(name)).toBe(false);
  });
});

describe('connections.open', () => {
  const full: ConnectOptions = {
    url: 'wss://example.test/path?q=1',
    headers: [['Authorization', 'Bearer x'], ['Cookie', 'a=1'], ['Cookie', 'b=2']],
    subprotocols: ['v1.chat', 'v2.chat'],
    origin: 'https://example.test',
    deflate: { enabled: true, clientNoContextTakeover: true, serverNoContextTakeover: true, clientMaxWindowBits: true, serverMaxWindowBits: 9 },
    tls: { insecure: false, caPem: '-----BEGIN CERTIFICATE-----', servername: 'api.example.test' },
    connectTimeoutMs: 100,
    keepaliveIntervalMs: 0,
    reconnect: { enabled: true, initialDelayMs: 10, maxDelayMs: 10, maxAttempts: 0 },
    label: 'prod',
  };

  test('accepts every option at its limits and returns it unchanged', () => {
    expect(validateArgument('connections.open', full)).toEqual(full);
  });

  test.each(['Host', 'UPGRADE', 'connection', 'Sec-WebSocket-Key', 'sec-websocket-version', 'Sec-WebSocket-Extensions', 'Sec-WebSocket-Protocol', 'Sec-WebSocket-Anything', 'Content-Length', 'Transfer-Encoding'])(
    'refuses the handshake header %s, whatever its case',
    (name) => {
      expect(refusal('connections.open', { url: 'ws://h/', headers: [[name, 'x']] })).toMatch(/headers\.0\.0: this header is part of the WebSocket handshake/);
    },
  );

  test('an Origin header is fine alone, refused next to the origin option', () => {
    expect(validateArgument('connections.open', { url: 'ws://h/', headers: [['Origin', 'https://a']] })).toBeTruthy();
    expect(refusal('connections.open', { url: 'ws://h/', origin: 'https://a', headers: [['X', '1'], ['ORIGIN', 'https://b']] }))
      .toMatch(/headers\.1\.0: the Origin is also set by the origin option/);
  });

  test('a subprotocol listed twice is refused at its second place', () => {
    expect(refusal('connections.open', { url: 'ws://h/', subprotocols: ['a', 'b', 'a'] })).toMatch(/subprotocols\.2: "a" is listed twice/);
  });

  test('header values and the Origin cannot carry line breaks', () => {
    expect(refusal('connections.open', { url: 'ws://h/', headers: [['X', 'a\nb']] })).toMatch(/headers\.0\.1: .*line breaks/);
    expect(refusal('connections.open', { url: 'ws://h/', origin: 'https://a\r\nX: y' })).toMatch(/origin: .*line breaks/);
  });

  test('keepalive is 0 or at least 100 ms', () => {
    expect(validateArgument('connections.open', { url: 'ws://h/', keepaliveIntervalMs: 100 }).keepaliveIntervalMs).toBe(100);
    expect(refusal('connections.open', { url: 'ws://h/', keepaliveIntervalMs: 99 })).toMatch(/keepaliveIntervalMs: a keepalive interval is 0 \(off\) or at least 100 ms/);
  });

  test('unknown keys are refused, also inside nested options', () => {
    expect(refusal('connections.open', { url: 'ws://h/', tls: { verify: false } })).toMatch(/tls.*verify/);
  });

  test('the message names the command and lists at most five problems', () => {
    const message = refusal('connections.open', { url: '', connectTimeoutMs: 1, label: 5, origin: 1, subprotocols: [' '], keepaliveIntervalMs: 1, headers: 1 });
    expect(message).toMatch(/^Invalid argument to connections\.open — /);
    expect(message.split('; ')).toHaveLength(5);
  });
});

describe('other commands', () => {
  test('commands without an argument take undefined or null, and nothing else', () => {
    expect(validateArgument('connections.list', undefined)).toBeUndefined();
    expect(validateArgument('app.info', null)).toBeUndefined();
    expect(refusal('app.info', {})).toMatch(/^Invalid argument to app\.info/);
  });

  test('a filter regex must compile, with Unicode property escapes allowed', () => {
    const range = (text: string) => ({ connectionId: 1, view: 'frames', start: 0, count: 10, filter: { text, regex: true } });
    expect(validateArgument('timeline.range', range('\\p{L}+'))).toBeTruthy();
    expect(refusal('timeline.range', range('a{'))).toMatch(/filter\.text: not a valid regular expression/);
    // Not a regex: anything goes.
    expect(validateArgument('timeline.range', { ...range('('), filter: { text: '(' } })).toBeTruthy();
  });

  test('a raw frame needs every header bit spelled out', () => {
    const raw = { kind: 'raw', opcode: 0, fin: true, rsv1: false, rsv2: false, rsv3: false, data: '', format: 'hex' };
    expect(validateArgument('connections.send', { id: 1, message: raw })).toEqual({ id: 1, message: raw });
    expect(refusal('connections.send', { id: 1, message: { ...raw, rsv2: undefined } })).toMatch(/message\.rsv2/);
  });

  test('a close code outside 0-65535 is refused here; the core judges the rest', () => {
    expect(validateArgument('connections.close', { id: 1, code: 1005 })).toEqual({ id: 1, code: 1005 });
    expect(refusal('connections.close', { id: 1, code: 65536 })).toMatch(/code: /);
  });
});
