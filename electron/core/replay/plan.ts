// What a replay of a recorded connection sends and how it connects: the messages the server
// received, the request headers a new handshake may carry, the subprotocols and deflate offered.
import type { ConnectionSummary, ConnectOptions, Micros, ReplayPlan, ReplayRequest } from '../../../shared/api.ts';
import { FrameFlag } from '../../../shared/api.ts';
import { Opcode } from '../../../shared/websocket.ts';
import type { MessageRecord, TimelineStore } from '../store/records.ts';

/** A recorded client → server message as it will be sent again. */
export interface ReplayMessage {
  readonly opcode: number;
  readonly data: Uint8Array;
  readonly compressed: boolean;
  readonly time: Micros;
  /** Set when the store kept only the first bytes (the recording cap): the length that was sent. */
  readonly cutFrom: number | null;
}

/**
 * Headers a new handshake writes itself (ConnectOptions refuses them: Host, Upgrade, Connection,
 * Content-Length, Transfer-Encoding, Sec-WebSocket-*) and headers meant for a proxy, not the server.
 */
const HANDSHAKE_HEADERS = new Set(['host', 'upgrade', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

export function isReplayableHeader(name: string): boolean {
  const n = name.toLowerCase();
  return !HANDSHAKE_HEADERS.has(n) && !n.startsWith('sec-websocket-') && !n.startsWith('proxy-');
}

/** The request headers as recorded, or for a client connection that never sent its request, as configured. */
function recordedRequestHeaders(summary: ConnectionSummary): Array<[string, string]> {
  if (summary.handshake !== null) return summary.handshake.requestHeaders;
  if (summary.origin !== 'client') return [];
  const { headers = [], subprotocols = [], origin } = summary.options;
  return [
    ...(subprotocols.length > 0 ? [['Sec-WebSocket-Protocol', subprotocols.join(', ')] as [string, string]] : []),
    ...(origin === undefined ? [] : [['Origin', origin] as [string, string]]),
    ...headers,
  ];
}

export function replayHeaders(requestHeaders: ReadonlyArray<readonly [string, string]>): Array<[string, string]> {
  return requestHeaders.filter(([name]) => isReplayableHeader(name)).map(([n, v]) => [n, v]);
}

/** The subprotocols offered in Sec-WebSocket-Protocol (one header or several, comma-separated). */
export function offeredSubprotocols(requestHeaders: ReadonlyArray<readonly [string, string]>): string[] {
  const offered: string[] = [];
  for (const [name, value] of requestHeaders) {
    if (name.toLowerCase() !== 'sec-websocket-protocol') continue;
    for (const p of value.split(',')) {
      const token = p.trim();
      if (token !== '' && !offered.includes(token)) offered.push(token);
    }
  }
  return offered;
}

/** permessage-deflate was offered in the recorded request, or negotiated. */
export function usedDeflate(summary: ConnectionSummary): boolean {
  const offered = (summary.handshake?.requestHeaders ?? [])
    .filter(([name]) => name.toLowerCase() === 'sec-websocket-extensions')
    .map(([, value]) => value);
  return [...offered, summary.extensions ?? ''].some((value) => /(^|,)\s*permessage-deflate\b/i.test(value));
}

/**
 * The message crossed the hop between the recorded connection and its server: what the server
 * received ('out', not dropped by the proxy; edits as stored) or sent ('in', not injected by Framescope).
 */
export function reachedServer(rec: MessageRecord): boolean {
  if (rec.opcode !== Opcode.TEXT && rec.opcode !== Opcode.BINARY) return false;
  const flags = rec.flags ?? 0;
  return rec.dir === 'out' ? (flags & FrameFlag.DROPPED) === 0 : (flags & FrameFlag.INJECTED) === 0;
}

/** The client → server messages to replay, and the frames-view row where the first of them starts. */
export function recordedMessages(timeline: TimelineStore, connectionId: number): { messages: ReplayMessage[]; firstFrameRow: number } {
  const messages: ReplayMessage[] = [];
  let firstFrameRow = -1;
  for (const entry of timeline.messages(connectionId)) {
    if (!('rec' in entry) || entry.rec.dir !== 'out' || !reachedServer(entry.rec)) continue;
    if (firstFrameRow < 0) firstFrameRow = entry.first;
    const { opcode, data, compressed, time, fullLength } = entry.rec;
    messages.push({ opcode, data, compressed, time, cutFrom: fullLength != null && fullLength > data.length ? fullLength : null });
  }
  return { messages, firstFrameRow };
}

/**
 * When the attempt that sent the first message opened: the last 'open' note before its first frame,
 * else the summary's openedAt when it is not later than the message, else the message's own time.
 */
export function recordedOpenTime(timeline: TimelineStore, summary: ConnectionSummary, firstFrameRow: number, firstTime: Micros): Micros {
  let opened: Micros | null = null;
  if (firstFrameRow > 0) {
    for (const row of timeline.frames(summary.id, 0, firstFrameRow)) {
      if (row.rec.kind === 'note' && row.rec.event === 'open') opened = row.rec.time;
    }
  }
  if (opened === null && summary.openedAt !== null && summary.openedAt <= firstTime) opened = summary.openedAt;
  return opened ?? firstTime;
}

export function buildPlan(summary: ConnectionSummary, messages: readonly ReplayMessage[]): ReplayPlan {
  const requestHeaders = recordedRequestHeaders(summary);
  const first = messages[0];
  const last = messages[messages.length - 1];
  return {
    connectionId: summary.id,
    url: summary.url,
    headers: replayHeaders(requestHeaders),
    subprotocols: offeredSubprotocols(requestHeaders),
    messages: messages.length,
    durationMs: first === undefined || last === undefined ? 0 : Math.max(0, (last.time - first.time) / 1000),
  };
}

/**
 * How the replay connects: a client original's own options (without reconnect: a replay is one
 * attempt), the URL, headers and subprotocols from the request or else the plan, and deflate offered
 * exactly when the original used it. An Origin travels as a header, as it was recorded.
 */
export function replayConnectOptions(summary: ConnectionSummary, plan: ReplayPlan, req: ReplayRequest): ConnectOptions {
  const base: ConnectOptions = summary.origin === 'client' ? { ...summary.options } : { url: plan.url };
  delete base.reconnect;
  delete base.origin;
  const deflate = usedDeflate(summary);
  return {
    ...base,
    url: req.url ?? plan.url,
    headers: req.headers ?? plan.headers,
    subprotocols: req.subprotocols ?? plan.subprotocols,
    deflate: deflate && base.deflate?.enabled ? base.deflate : { enabled: deflate },
  };
}
