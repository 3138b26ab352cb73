// Schemas for every command argument of shared/api.ts: the engine checks input from the UI (an
// untrusted renderer, or any local page that got past the token) before it acts on it.
import { z } from 'zod';
import type { CommandArg, CommandName, ConnectOptions } from '../../shared/api.ts';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 7230 field-value: visible characters, spaces and tabs, no CR or LF. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\uffff]*$/;
/** Written by the handshake itself; so is every Sec-WebSocket-* header. */
const RESERVED_HEADERS = new Set(['host', 'upgrade', 'connection', 'content-length', 'transfer-encoding']);
const isReservedHeader = (name: string): boolean => RESERVED_HEADERS.has(name.toLowerCase()) || /^sec-websocket-/i.test(name);
const MiB = 1024 * 1024;

const id = z.number().int().positive();
const windowBits = z.number().int().min(8).max(15);
const byteFormat = z.enum(['text', 'hex', 'base64']);
const fragmentSize = z.number().int().min(1).max(64 * MiB).optional();
const payloadText = z.string().max(96 * MiB, 'the payload is larger than the 64 MiB message limit');

const header = z.tuple([
  z.string().regex(TOKEN, 'a header name is a token: letters, digits and !#$%&\'*+-.^_`|~, no spaces or colons')
    .refine((n) => !isReservedHeader(n), {
      message: 'this header is part of the WebSocket handshake and is set by Framescope (use the subprotocol and deflate options instead)',
    }),
  z.string().max(64 * 1024).regex(FIELD_VALUE, 'a header value cannot contain line breaks or control characters'),
]);

const connectOptions = z.object({
  url: z.string().min(1, 'a URL is required').max(8192),
  headers: z.array(header).max(200).optional(),
  subprotocols: z.array(z.string().regex(TOKEN, 'a subprotocol is a token: no spaces, commas or quotes')).max(50).superRefine((list, ctx) => {
    list.forEach((p, i) => {
      if (list.indexOf(p) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `"${p}" is listed twice — offer each subprotocol once` });
    });
  }).optional(),
  origin: z.string().max(2048).regex(FIELD_VALUE, 'the Origin cannot contain line breaks').optional(),
  deflate: z.object({
    enabled: z.boolean(),
    clientNoContextTakeover: z.boolean().optional(),
    serverNoContextTakeover: z.boolean().optional(),
    clientMaxWindowBits: z.union([windowBits, z.literal(true)]).optional(),
    serverMaxWindowBits: windowBits.optional(),
  }).strict().optional(),
  tls: z.object({
    insecure: z.boolean().optional(),
    caPem: z.string().max(MiB).optional(),
    servername: z.string().max(253).regex(/^[A-Za-z0-9.-]*$/, 'the SNI name is a host name: letters, digits, dots and hyphens').optional(),
  }).strict().optional(),
  connectTimeoutMs: z.number().int().min(100).max(600_000).optional(),
  keepaliveIntervalMs: z.number().int().min(0).max(3_600_000).refine((ms) => ms === 0 || ms >= 100, 'a keepalive interval is 0 (off) or at least 100 ms').optional(),
  reconnect: z.object({
    enabled: z.boolean(),
    initialDelayMs: z.number().int().min(10).max(3_600_000).optional(),
    maxDelayMs: z.number().int().min(10).max(86_400_000).optional(),
    maxAttempts: z.number().int().min(0).max(1_000_000).optional(),
  }).strict().optional(),
  label: z.string().max(200).optional(),
}).strict().superRefine((opts, ctx) => {
  if (opts.origin === undefined) return;
  const i = opts.headers?.findIndex(([name]) => name.toLowerCase() === 'origin') ?? -1;
  if (i >= 0) ctx.addIssue({ code: 'custom', path: ['headers', i, 0], message: 'the Origin is also set by the origin option — set it in one place' });
});

const sendRequest = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('text'), text: payloadText, fragmentSize, compress: z.boolean().optional() }).strict(),
  z.object({ kind: z.literal('json'), text: payloadText, fragmentSize, compress: z.boolean().optional() }).strict(),
  z.object({ kind: z.literal('binary'), data: payloadText, format: z.enum(['hex', 'base64']), fragmentSize, compress: z.boolean().optional() }).strict(),
  z.object({ kind: z.literal('ping'), data: z.string().max(1024).optional(), format: byteFormat.optional() }).strict(),
  z.object({ kind: z.literal('pong'), data: z.string().max(1024).optional(), format: byteFormat.optional() }).strict(),
  z.object({ kind: z.literal('close'), code: z.number().int().min(0).max(65535).optional(), reason: z.string().max(1024).optional() }).strict(),
  z.object({
    kind: z.literal('raw'),
    opcode: z.number().int().min(0).max(15),
    fin: z.boolean(),
    rsv1: z.boolean(),
    rsv2: z.boolean(),
    rsv3: z.boolean(),
    data: payloadText,
    format: byteFormat,
    fragmentSize,
    mask: z.boolean().optional(),
  }).strict(),
]);

const filter = z.object({
  text: z.string().max(10_000).optional(),
  regex: z.boolean().optional(),
  caseSensitive: z.boolean().optional(),
  direction: z.enum(['in', 'out']).optional(),
  opcodes: z.array(z.number().int().min(0).max(15)).max(16).optional(),
  errors: z.boolean().optional(),
  from: z.number().int().min(0).optional(),
  to: z.number().int().min(0).optional(),
}).strict().superRefine((f, ctx) => {
  if (!f.regex || !f.text) return;
  try {
    new RegExp(f.text, 'u');
  } catch (err) {
    ctx.addIssue({ code: 'custom', path: ['text'], message: `not a valid regular expression (${(err as Error).message})` });
  }
});

const view = z.enum(['frames', 'messages']);

/** `example.com`, `*.example.com`, `*`: letters, digits, dots, hyphens, colons (ports, IPv6) and `*`. */
const hostPattern = z.string().min(1).max(253).regex(/^[A-Za-z0-9.*:\[\]-]+$/, 'a host pattern is a host name, an address or a glob such as *.example.com');
const proxySettings = z.object({
  host: z.string().min(1).max(253).regex(/^[A-Za-z0-9.:\[\]-]+$/, 'the listen address is a host name or an IP address'),
  port: z.number().int().min(0).max(65535),
  mode: z.enum(['explicit', 'reverse']),
  reverseUrl: z.string().max(8192).regex(/^wss?:\/\//i, 'the reverse-mode upstream is a ws:// or wss:// URL').nullable(),
  passthroughHosts: z.array(hostPattern).max(1000),
  insecureUpstreamHosts: z.array(hostPattern).max(1000),
  stripExtensions: z.boolean(),
}).strict().partial();

const interceptSettings = z.object({
  client: z.boolean(),
  server: z.boolean(),
  holdControlFrames: z.boolean(),
  keepaliveIntervalMs: z.number().int().min(0).max(3_600_000).refine((ms) => ms === 0 || ms >= 100, 'a keepalive interval is 0 (off) or at least 100 ms'),
  holdTimeoutMs: z.number().int().min(0).max(86_400_000).refine((ms) => ms === 0 || ms >= 100, 'a hold timeout is 0 (off) or at least 100 ms'),
  timeoutAction: z.enum(['forward', 'drop']),
}).strict().partial();

const checkRegex = (source: string, flags: string, ctx: z.RefinementCtx, path: string[]): void => {
  try {
    new RegExp(source, flags);
  } catch (err) {
    ctx.addIssue({ code: 'custom', path, message: `not a valid regular expression (${(err as Error).message})` });
  }
};

const rule = z.object({
  id: z.string().min(1).max(100),
  name: z.string().min(1, 'a rule needs a name').max(200),
  enabled: z.boolean(),
  match: z.object({
    url: z.string().max(2048).optional(),
    direction: z.enum(['client', 'server']).optional(),
    opcodes: z.array(z.number().int().min(0).max(15)).max(16).optional(),
    payload: z.string().max(10_000).optional(),
    regex: z.boolean().optional(),
    caseSensitive: z.boolean().optional(),
  }).strict(),
  action: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('hold') }).strict(),
    z.object({ kind: z.literal('replace'), find: z.string().min(1, 'say what to find').max(10_000), replace: z.string().max(MiB), regex: z.boolean().optional(), caseSensitive: z.boolean().optional() }).strict(),
    z.object({ kind: z.literal('drop') }).strict(),
    z.object({ kind: z.literal('delay'), ms: z.number().int().min(0).max(600_000) }).strict(),
  ]),
}).strict().superRefine((r, ctx) => {
  if (r.match.regex && r.match.payload) checkRegex(r.match.payload, 'u', ctx, ['match', 'payload']);
  if (r.action.kind === 'replace' && r.action.regex) checkRegex(r.action.find, 'gu', ctx, ['action', 'find']);
});

const rules = z.array(rule).max(500).superRefine((list, ctx) => {
  list.forEach((r, i) => {
    if (list.findIndex((o) => o.id === r.id) !== i) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `rule id "${r.id}" is used twice` });
  });
});

const heldEdit = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('text'), text: payloadText }).strict(),
  z.object({ kind: z.literal('binary'), data: payloadText, format: z.enum(['hex', 'base64']) }).strict(),
]);

const sessionId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'a session id is the file name without its extension: letters, digits, _ and -');
const sessionName = z.string().trim().min(1, 'a session needs a name').max(200);
const collection = z.string().trim().min(1, 'say which collection').max(200);

const replayTiming = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('original') }).strict(),
  z.object({ mode: z.literal('speed'), factor: z.number().positive().max(1000) }).strict(),
  z.object({ mode: z.literal('fast') }).strict(),
  z.object({ mode: z.literal('wait-reply'), timeoutMs: z.number().int().min(1).max(3_600_000).optional() }).strict(),
]);

const savedInput = z.object({
  id: id.optional(),
  collection,
  name: z.string().trim().min(1, 'a saved message needs a name').max(200),
  kind: z.enum(['text', 'json', 'binary']),
  body: payloadText,
  format: z.enum(['hex', 'base64']).optional(),
}).strict().superRefine((m, ctx) => {
  if (m.kind === 'binary' && m.format === undefined) ctx.addIssue({ code: 'custom', path: ['format'], message: 'a binary message says whether its body is hex or base64' });
  if (m.kind !== 'binary' && m.format !== undefined) ctx.addIssue({ code: 'custom', path: ['format'], message: 'only binary messages have a format' });
});

const environments = z.object({
  active: z.string().max(200).nullable(),
  environments: z.record(z.string().min(1).max(200), z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,99}$/, 'a variable name starts with a letter or _ and has letters, digits, _ . -'), z.string().max(MiB))),
}).strict().superRefine((e, ctx) => {
  if (e.active !== null && !Object.hasOwn(e.environments, e.active)) ctx.addIssue({ code: 'custom', path: ['active'], message: `there is no environment "${e.active}"` });
});

// The compiler checks each schema's output against the contract's argument type.
const schemas: { [K in CommandName]: z.ZodType<CommandArg<K>> } = {
  'app.info': z.undefined(),
  'connections.open': connectOptions,
  'connections.list': z.undefined(),
  'connections.close': z.object({ id, code: z.number().int().min(0).max(65535).optional(), reason: z.string().max(1024).optional(), abort: z.boolean().optional() }).strict(),
  'connections.reconnect': z.object({ id }).strict(),
  'connections.delete': z.object({ id }).strict(),
  'connections.send': z.object({ id, message: sendRequest, toward: z.enum(['server', 'client']).optional() }).strict(),
  'timeline.range': z.object({
    connectionId: id,
    view,
    start: z.number().int().min(0),
    count: z.number().int().min(0).max(5000),
    filter: filter.optional(),
  }).strict(),
  'timeline.detail': z.object({ connectionId: id, view, index: z.number().int().min(0) }).strict(),
  'proxy.status': z.undefined(),
  'proxy.start': proxySettings,
  'proxy.stop': z.undefined(),
  'intercept.get': z.undefined(),
  'intercept.configure': interceptSettings,
  'intercept.setRules': rules,
  'intercept.resolve': z.object({ id, action: z.enum(['forward', 'drop']), edit: heldEdit.optional() }).strict(),
  'intercept.forwardAll': z.undefined(),
  'ca.info': z.undefined(),
  'ca.regenerate': z.undefined(),
  'browser.launch': z.object({ url: z.string().max(8192).regex(/^https?:\/\//i, 'the start page is an http:// or https:// URL').optional() }).strict(),
  'sessions.list': z.undefined(),
  'sessions.current': z.undefined(),
  'sessions.new': z.object({ name: sessionName.optional() }).strict(),
  'sessions.open': z.object({ id: sessionId }).strict(),
  'sessions.rename': z.object({ id: sessionId, name: sessionName }).strict(),
  'sessions.delete': z.object({ id: sessionId }).strict(),
  'session.settings': z.undefined(),
  'session.configure': z.object({ recordingCapBytes: z.number().int().min(1024, 'the recording cap is at least 1 KiB').max(1024 * MiB) }).strict().partial(),
  'session.search': z.object({
    text: z.string().min(1, 'say what to search for').max(10_000),
    regex: z.boolean().optional(),
    connectionIds: z.array(id).max(10_000).optional(),
    limit: z.number().int().min(1).max(5000).optional(),
  }).strict().superRefine((q, ctx) => {
    if (q.regex) checkRegex(q.text, 'u', ctx, ['text']);
  }),
  'har.export': z.object({ connectionIds: z.array(id).min(1).max(100_000).optional(), sensitive: z.boolean().optional() }).strict(),
  'har.import': z.object({ har: z.string().min(1, 'the file is empty').max(1024 * MiB), fileName: z.string().max(1024).optional(), into: z.enum(['new', 'current']).optional() }).strict(),
  'saved.list': z.undefined(),
  'saved.save': savedInput,
  'saved.fromRow': z.object({ connectionId: id, view, index: z.number().int().min(0), collection, name: z.string().trim().min(1, 'a saved message needs a name').max(200) }).strict(),
  'saved.delete': z.object({ id }).strict(),
  'saved.render': z.object({ body: payloadText }).strict(),
  'saved.send': z.object({ id, connectionId: id, toward: z.enum(['server', 'client']).optional() }).strict(),
  'env.get': z.undefined(),
  'env.set': environments,
  'replay.plan': z.object({ connectionId: id }).strict(),
  'replay.start': z.object({
    connectionId: id,
    timing: replayTiming,
    url: z.string().min(1).max(8192).optional(),
    headers: z.array(header).max(200).optional(),
    subprotocols: z.array(z.string().regex(TOKEN, 'a subprotocol is a token: no spaces, commas or quotes')).max(50).optional(),
  }).strict(),
  'replay.stop': z.object({ id }).strict(),
  'replay.list': z.object({ connectionId: id.optional() }).strict(),
  'replay.compare': z.object({ runId: id }).strict(),
};

export class InvalidArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidArgumentError';
  }
}

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(schemas, name);
}

/**
 * Options read from elsewhere (an imported file), checked as connections.open checks them: the options,
 * or the first problem with where it is (".headers[0][1]", "" for the object itself).
 */
export function checkConnectOptions(value: unknown): { options: ConnectOptions } | { path: string; problem: string } {
  const result = connectOptions.safeParse(value);
  if (result.success) return { options: result.data as ConnectOptions };
  const issue = result.error.issues[0]!;
  return { path: issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join(''), problem: issue.message };
}

/** The argument, checked; throws InvalidArgumentError saying which field is wrong and why. */
export function validateArgument<K extends CommandName>(name: K, arg: unknown): CommandArg<K> {
  // null and undefined both mean "no argument" (JSON has no undefined).
  const result = schemas[name].safeParse(arg === null ? undefined : arg);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return `${path}${issue.message}`;
  });
  throw new InvalidArgumentError(`Invalid argument to ${name} — ${problems.join('; ')}`);
}
