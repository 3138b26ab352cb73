// parseTarget: what a dial needs from a ws:// or wss:// URL, and the URLs it refuses.
import { describe, expect, test } from 'vitest';
import { DialFailure, parseTarget } from '../../../electron/core/client/dial.ts';

describe('parseTarget', () => {
  test.each([
    ['ws://example.test', { secure: false, host: 'example.test', port: 80, path: '/', hostHeader: 'example.test' }],
    ['wss://example.test/a/b?c=d&e', { secure: true, host: 'example.test', port: 443, path: '/a/b?c=d&e', hostHeader: 'example.test' }],
    ['ws://example.test:80/', { secure: false, host: 'example.test', port: 80, path: '/', hostHeader: 'example.test' }],
    ['wss://example.test:8443/x', { secure: true, host: 'example.test', port: 8443, path: '/x', hostHeader: 'example.test:8443' }],
    ['ws://127.0.0.1:9001/', { secure: false, host: '127.0.0.1', port: 9001, path: '/', hostHeader: '127.0.0.1:9001' }],
    ['ws://[::1]:9001/', { secure: false, host: '::1', port: 9001, path: '/', hostHeader: '[::1]:9001' }],
    ['WS://Example.TEST/', { secure: false, host: 'example.test', port: 80, path: '/', hostHeader: 'example.test' }],
  ])('%s', (url, target) => {
    expect(parseTarget(url)).toEqual(target);
  });

  test.each([
    ['example.test', /is not a URL/],
    ['https://example.test/', /uses https:\/\/ — a WebSocket URL starts with ws:\/\/ or wss:\/\//],
    ['ws://example.test/#frag', /#fragment/],
    ['ws://me:secret@example.test/', /user name or password/],
  ])('refuses %s with INVALID_URL', (url, message) => {
    let failure: unknown;
    try {
      parseTarget(url);
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(DialFailure);
    expect((failure as DialFailure).info.code).toBe('INVALID_URL');
    expect((failure as DialFailure).message).toMatch(message);
  });
});
