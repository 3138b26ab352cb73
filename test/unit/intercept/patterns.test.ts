// URL globs for rules and host patterns for the proxy's passthrough and insecure-upstream lists.
import { describe, expect, test } from 'vitest';
import { globToRegExp, HostPatterns } from '../../../electron/core/intercept/patterns.ts';

describe('globToRegExp', () => {
  test('a star matches any run of characters, including none', () => {
    const re = globToRegExp('wss://api.*/feed');
    expect(re.test('wss://api.example.com/feed')).toBe(true);
    expect(re.test('wss://api./feed')).toBe(true);
    expect(re.test('wss://api.example.com/feed/extra')).toBe(false);
  });

  test('matches the whole string, not a part of it', () => {
    const re = globToRegExp('example.com');
    expect(re.test('example.com')).toBe(true);
    expect(re.test('www.example.com')).toBe(false);
    expect(re.test('example.com.evil')).toBe(false);
  });

  test('everything but the star is literal', () => {
    const re = globToRegExp('a.b+c?(d)[e]{2}^$|\\/');
    expect(re.test('a.b+c?(d)[e]{2}^$|\\/')).toBe(true);
    expect(re.test('axbbc(d)e{2}^$|\\/')).toBe(false);
    expect(globToRegExp('a.c').test('abc')).toBe(false);
  });

  test('ignores case', () => {
    expect(globToRegExp('*.Example.COM').test('WWW.example.com')).toBe(true);
  });

  test('a lone star matches everything, the empty string too', () => {
    expect(globToRegExp('*').test('')).toBe(true);
    expect(globToRegExp('*').test('ws://anything:1/x?y')).toBe(true);
  });
});

describe('HostPatterns', () => {
  test('an exact host matches only that host', () => {
    const p = new HostPatterns(['example.com']);
    expect(p.matches('example.com')).toBe(true);
    expect(p.matches('api.example.com')).toBe(false);
    expect(p.matches('example.org')).toBe(false);
  });

  test('*.example.com matches its subdomains and example.com itself', () => {
    const p = new HostPatterns(['*.example.com']);
    expect(p.matches('api.example.com')).toBe(true);
    expect(p.matches('a.b.example.com')).toBe(true);
    expect(p.matches('example.com')).toBe(true);
    expect(p.matches('notexample.com')).toBe(false);
    expect(p.matches('example.com.evil.net')).toBe(false);
  });

  test('matching ignores case on both sides', () => {
    const p = new HostPatterns(['*.Example.COM']);
    expect(p.matches('API.EXAMPLE.com')).toBe(true);
    expect(p.matches('EXAMPLE.COM')).toBe(true);
  });

  test('a lone star matches every host', () => {
    const p = new HostPatterns(['*']);
    expect(p.matches('example.com')).toBe(true);
    expect(p.matches('127.0.0.1')).toBe(true);
    expect(p.matches('[::1]')).toBe(true);
  });

  test('an IPv6 host matches with or without brackets on either side', () => {
    expect(new HostPatterns(['::1']).matches('[::1]')).toBe(true);
    expect(new HostPatterns(['::1']).matches('::1')).toBe(true);
    expect(new HostPatterns(['[::1]']).matches('::1')).toBe(true);
    expect(new HostPatterns(['[::1]']).matches('[::1]')).toBe(true);
    expect(new HostPatterns(['[::1]']).matches('::2')).toBe(false);
  });

  test('any of several patterns may match; blank patterns match nothing', () => {
    const p = new HostPatterns(['  ', 'a.test', ' *.b.test ']);
    expect(p.matches('a.test')).toBe(true);
    expect(p.matches('x.b.test')).toBe(true);
    expect(p.matches('c.test')).toBe(false);
    expect(p.matches('')).toBe(false);
  });

  test('no patterns match nothing', () => {
    expect(new HostPatterns([]).matches('example.com')).toBe(false);
  });
});
