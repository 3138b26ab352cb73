// The replay form: filled from replay.plan (URL, headers, subprotocols), edited, and turned into the
// ReplayRequest replay.start takes with its timing — or a message for each field that is wrong.
// Pure: no React, no engine.
import type { ReplayPlan, ReplayRequest, ReplayTiming } from '../../../shared/api.ts';
import { urlProblem } from '../connections/connectForm.ts';
import { formatDuration } from '../format/time.ts';

export type TimingMode = ReplayTiming['mode'];

export const TIMING_CHOICES: ReadonlyArray<[TimingMode, string]> = [
  ['original', 'Original timing'],
  ['speed', 'Speed factor'],
  ['fast', 'As fast as possible'],
  ['wait-reply', 'Wait for each reply'],
];

export interface HeaderRow {
  name: string;
  value: string;
}

export interface ReplayFormFields {
  url: string;
  headers: HeaderRow[];
  /** Comma-separated. */
  subprotocols: string;
  timing: TimingMode;
  /** Speed mode: how many times faster than recorded. */
  speedFactor: string;
  /** Wait-reply mode: ms to wait for the server before sending the next message anyway; empty for the engine's default. */
  replyTimeoutMs: string;
}

export type ReplayFieldProblems = Partial<Record<'url' | 'headers' | 'subprotocols' | 'speedFactor' | 'replyTimeoutMs', string>>;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Written by the handshake itself, as is every Sec-WebSocket-* header (the engine refuses them). */
const RESERVED_HEADERS = new Set(['host', 'upgrade', 'connection', 'content-length', 'transfer-encoding']);
const MAX_SPEED_FACTOR = 1000;
const MAX_REPLY_TIMEOUT_MS = 3_600_000;

export function planToForm(plan: ReplayPlan): ReplayFormFields {
  return {
    url: plan.url,
    headers: plan.headers.map(([name, value]) => ({ name, value })),
    subprotocols: plan.subprotocols.join(', '),
    timing: 'original',
    speedFactor: '2',
    replyTimeoutMs: '5000',
  };
}

/** "4 client messages over 1.2 s", for the form's heading. */
export function planSummary(plan: ReplayPlan): string {
  const messages = plan.messages === 1 ? '1 client message' : `${plan.messages} client messages`;
  return plan.messages <= 1 ? messages : `${messages} over ${formatDuration(plan.durationMs * 1000)}`;
}

function headersOrProblem(rows: readonly HeaderRow[]): Array<[string, string]> | string {
  const headers: Array<[string, string]> = [];
  for (const [row, { name, value }] of rows.entries()) {
    const trimmed = name.trim();
    if (trimmed === '' && value.trim() === '') continue;
    if (!TOKEN.test(trimmed)) return `Header ${row + 1}: “${trimmed}” is not a header name — letters, digits and - only, no spaces or colons.`;
    if (RESERVED_HEADERS.has(trimmed.toLowerCase()) || /^sec-websocket-/i.test(trimmed)) {
      return `Header ${row + 1}: ${trimmed} is written by the WebSocket handshake itself — remove the row (subprotocols have their own field).`;
    }
    if (/[\r\n]/.test(value)) return `Header ${row + 1}: a header value cannot contain line breaks.`;
    headers.push([trimmed, value.trim()]);
  }
  return headers;
}

/** The replay to start, or the problems to fix first (by field). */
export function formToRequest(fields: ReplayFormFields, connectionId: number): { request: ReplayRequest } | { problems: ReplayFieldProblems } {
  const problems: ReplayFieldProblems = {};
  const badUrl = urlProblem(fields.url);
  if (badUrl !== null) problems.url = badUrl;

  const headers = headersOrProblem(fields.headers);
  if (typeof headers === 'string') problems.headers = headers;

  const subprotocols = fields.subprotocols.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const badProtocol = subprotocols.find((name) => !TOKEN.test(name));
  const repeated = subprotocols.find((name, index) => subprotocols.indexOf(name) !== index);
  if (badProtocol !== undefined) problems.subprotocols = `“${badProtocol}” is not a subprotocol name — letters, digits and - . _ only, separated by commas.`;
  else if (repeated !== undefined) problems.subprotocols = `“${repeated}” is listed twice — offer each subprotocol once.`;

  let timing: ReplayTiming;
  switch (fields.timing) {
    case 'original':
    case 'fast':
      timing = { mode: fields.timing };
      break;
    case 'speed': {
      const text = fields.speedFactor.trim();
      const factor = Number(text);
      if (text === '' || !Number.isFinite(factor) || factor <= 0 || factor > MAX_SPEED_FACTOR) {
        problems.speedFactor = `The speed factor is a number above 0 and at most ${MAX_SPEED_FACTOR}: 2 plays twice as fast, 0.5 half as fast.`;
      }
      timing = { mode: 'speed', factor };
      break;
    }
    case 'wait-reply': {
      const text = fields.replyTimeoutMs.trim();
      timing = { mode: 'wait-reply' };
      if (text !== '') {
        const timeoutMs = Number(text);
        if (!/^\d+$/.test(text) || timeoutMs < 1 || timeoutMs > MAX_REPLY_TIMEOUT_MS) {
          problems.replyTimeoutMs = `The reply timeout is a whole number of ms from 1 to ${MAX_REPLY_TIMEOUT_MS}, or empty for the default.`;
        }
        timing.timeoutMs = timeoutMs;
      }
      break;
    }
  }

  if (Object.keys(problems).length > 0 || typeof headers === 'string') return { problems };
  return { request: { connectionId, timing, url: fields.url.trim(), headers, subprotocols } };
}
