// The proxy listener form ↔ ProxySettings, host lists, and the intercept settings' seconds fields.
import { describe, expect, test } from 'vitest';
import type { ProxySettings } from '../../../shared/api.ts';
import {
  formToSettings, msToSecondsText, reachableFromOutside, secondsTextToMs, settingsToForm, splitHostList, type ProxyFormFields,
} from '../../../renderer/src/proxy/proxyForm.ts';

const DEFAULTS: ProxySettings = {
  host: '127.0.0.1', port: 8080, mode: 'explicit', reverseUrl: null, passthroughHosts: [], insecureUpstreamHosts: [], stripExtensions: false,
};
const fields = (change: Partial<ProxyFormFields>): ProxyFormFields => ({ ...settingsToForm(DEFAULTS), ...change });

describe('formToSettings', () => {
  test('round-trips settings', () => {
    const settings: ProxySettings = {
      host: '0.0.0.0', port: 0, mode: 'reverse', reverseUrl: 'wss://example.com/feed',
      passthroughHosts: ['*.google.com', 'example.org'], insecureUpstreamHosts: ['localhost'], stripExtensions: true,
    };
    expect(formToSettings(settingsToForm(settings))).toEqual({ settings });
  });

  test('host lists split on commas and new lines, blanks dropped', () => {
    expect(splitHostList(' a.com, *.b.com\n\n c.com ,')).toEqual(['a.com', '*.b.com', 'c.com']);
    expect(formToSettings(fields({ passthroughHosts: 'a.com,\nb.com' }))).toMatchObject({ settings: { passthroughHosts: ['a.com', 'b.com'] } });
  });

  test('reverse mode needs a ws:// or wss:// upstream', () => {
    expect(formToSettings(fields({ mode: 'reverse', reverseUrl: '' }))).toEqual({ problems: { reverseUrl: expect.stringContaining('enter its ws://') } });
    expect(formToSettings(fields({ mode: 'reverse', reverseUrl: 'http://x' }))).toEqual({ problems: { reverseUrl: expect.stringContaining('not http://') } });
    expect(formToSettings(fields({ mode: 'reverse', reverseUrl: 'nope' }))).toEqual({ problems: { reverseUrl: expect.stringContaining('not a valid address') } });
  });

  test('explicit mode keeps a valid upstream for later and drops an invalid one', () => {
    expect(formToSettings(fields({ reverseUrl: 'ws://up:1' }))).toMatchObject({ settings: { mode: 'explicit', reverseUrl: 'ws://up:1' } });
    expect(formToSettings(fields({ reverseUrl: 'junk' }))).toMatchObject({ settings: { mode: 'explicit', reverseUrl: null } });
  });

  test('says what is wrong with the port, the host and the host lists', () => {
    expect(formToSettings(fields({ port: '65536', host: '', passthroughHosts: 'good.com, bad host', insecureUpstreamHosts: 'x/y' }))).toEqual({
      problems: {
        port: expect.stringContaining('0 to 65535'),
        host: expect.stringContaining('Enter the address'),
        passthroughHosts: expect.stringContaining('"bad host"'),
        insecureUpstreamHosts: expect.stringContaining('"x/y"'),
      },
    });
    expect(formToSettings(fields({ port: '8o8o' }))).toMatchObject({ problems: { port: expect.any(String) } });
  });
});

describe('reachableFromOutside', () => {
  test('loopback addresses are not', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'].map(reachableFromOutside)).toEqual([false, false, false, false, false]);
    expect(['0.0.0.0', '192.168.1.4', '::'].map(reachableFromOutside)).toEqual([true, true, true]);
  });
});

describe('seconds fields', () => {
  test('seconds in, milliseconds out', () => {
    expect(msToSecondsText(15_000)).toBe('15');
    expect(msToSecondsText(500)).toBe('0.5');
    expect(secondsTextToMs(' 15 ', 'x', 3_600_000)).toEqual({ ms: 15_000 });
    expect(secondsTextToMs('0.25', 'x', 3_600_000)).toEqual({ ms: 250 });
    expect(secondsTextToMs('0', 'x', 3_600_000)).toEqual({ ms: 0 });
  });

  test('refuses what the engine would: not a number, under 0.1 s, over the maximum', () => {
    expect(secondsTextToMs('', 'The hold timeout', 1000)).toEqual({ problem: expect.stringContaining('The hold timeout is a number of seconds') });
    expect(secondsTextToMs('-1', 'x', 1000)).toEqual({ problem: expect.any(String) });
    expect(secondsTextToMs('1e3', 'x', 1000)).toEqual({ problem: expect.any(String) });
    expect(secondsTextToMs('0.05', 'x', 1000)).toEqual({ problem: expect.stringContaining('at least 0.1') });
    expect(secondsTextToMs('2', 'x', 1000)).toEqual({ problem: expect.stringContaining('at most 1 seconds') });
  });
});
