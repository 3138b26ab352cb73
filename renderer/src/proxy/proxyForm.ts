// The proxy listener's form as typed, and its translation to ProxySettings with a readable message
// for each field that is wrong; also the seconds fields of the intercept settings. Pure: no React, no engine.
import type { ProxyMode, ProxySettings } from '../../../shared/api.ts';

export interface ProxyFormFields {
  mode: ProxyMode;
  reverseUrl: string;
  host: string;
  port: string;
  stripExtensions: boolean;
  /** Host patterns, separated by commas or new lines. */
  passthroughHosts: string;
  insecureUpstreamHosts: string;
}

export type ProxyFieldProblems = Partial<Record<keyof ProxyFormFields, string>>;

export function settingsToForm(settings: ProxySettings): ProxyFormFields {
  return {
    mode: settings.mode,
    reverseUrl: settings.reverseUrl ?? '',
    host: settings.host,
    port: String(settings.port),
    stripExtensions: settings.stripExtensions,
    passthroughHosts: settings.passthroughHosts.join('\n'),
    insecureUpstreamHosts: settings.insecureUpstreamHosts.join('\n'),
  };
}

/** The entries of a comma- or line-separated list, trimmed, empty ones left out. */
export function splitHostList(text: string): string[] {
  return text.split(/[,\n]/).map((entry) => entry.trim()).filter((entry) => entry !== '');
}

const HOST_PATTERN = /^[A-Za-z0-9.*:[\]-]+$/;

function hostListProblem(hosts: readonly string[]): string | null {
  const bad = hosts.find((host) => !HOST_PATTERN.test(host));
  return bad === undefined ? null : `"${bad}" is not a host pattern — use a host name, an address or a glob such as *.example.com, one per line or separated by commas.`;
}

function reverseUrlProblem(text: string): string | null {
  if (text === '') return 'Reverse mode forwards every connection to one server — enter its ws:// or wss:// address.';
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return `"${text}" is not a valid address — write it like ws://localhost:9000 or wss://example.com/socket.`;
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    return `The upstream must be a ws:// or wss:// address, not ${parsed.protocol}// — for example ws://localhost:9000.`;
  }
  return null;
}

/** The settings to start the listener with, or the problems to fix first (by field). */
export function formToSettings(fields: ProxyFormFields): { settings: ProxySettings } | { problems: ProxyFieldProblems } {
  const problems: ProxyFieldProblems = {};

  const host = fields.host.trim();
  if (host === '') problems.host = 'Enter the address to listen on — 127.0.0.1 keeps the proxy to this machine.';
  else if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) problems.host = `"${host}" is not a host name or IP address — for example 127.0.0.1.`;

  const portText = fields.port.trim();
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) problems.port = 'The port is a whole number from 0 to 65535 (0 picks a free one).';

  // Kept in explicit mode too when it is a valid address, so switching modes does not lose it.
  const reverseText = fields.reverseUrl.trim();
  const reverseProblem = reverseUrlProblem(reverseText);
  if (fields.mode === 'reverse' && reverseProblem !== null) problems.reverseUrl = reverseProblem;

  const passthroughHosts = splitHostList(fields.passthroughHosts);
  const passthroughProblem = hostListProblem(passthroughHosts);
  if (passthroughProblem !== null) problems.passthroughHosts = passthroughProblem;
  const insecureUpstreamHosts = splitHostList(fields.insecureUpstreamHosts);
  const insecureProblem = hostListProblem(insecureUpstreamHosts);
  if (insecureProblem !== null) problems.insecureUpstreamHosts = insecureProblem;

  if (Object.keys(problems).length > 0) return { problems };
  return {
    settings: {
      host,
      port,
      mode: fields.mode,
      reverseUrl: reverseProblem === null ? reverseText : null,
      passthroughHosts,
      insecureUpstreamHosts,
      stripExtensions: fields.stripExtensions,
    },
  };
}

/** Whether a listen address lets other machines reach the proxy. */
export function reachableFromOutside(host: string): boolean {
  const trimmed = host.trim().toLowerCase();
  return !(trimmed === 'localhost' || trimmed === '::1' || trimmed === '[::1]' || trimmed.startsWith('127.'));
}

/** Milliseconds shown as seconds in a field: 15000 → "15", 500 → "0.5". */
export function msToSecondsText(ms: number): string {
  return String(ms / 1000);
}

/**
 * A seconds field as milliseconds: 0 turns the thing off, otherwise from 0.1 s to `maxMs` (what the
 * engine accepts), or what is wrong with it.
 */
export function secondsTextToMs(text: string, what: string, maxMs: number): { ms: number } | { problem: string } {
  const trimmed = text.trim();
  const seconds = Number(trimmed);
  if (trimmed === '' || !/^\d*\.?\d*$/.test(trimmed) || !Number.isFinite(seconds)) {
    return { problem: `${what} is a number of seconds, for example 15 or 0.5 (0 turns it off).` };
  }
  const ms = Math.round(seconds * 1000);
  if (ms !== 0 && ms < 100) return { problem: `${what} is 0 (off) or at least 0.1 seconds.` };
  if (ms > maxMs) return { problem: `${what} is at most ${maxMs / 1000} seconds.` };
  return { ms };
}
