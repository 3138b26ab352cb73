// Checks a HAR file two ways, each written from its source and not with the code under test: the HAR
// 1.2 spec's required fields and types (http://www.softwareishard.com/blog/har-12-spec/), and what
// Chrome DevTools' importer insists on (devtools-frontend front_end/models/har/HARFormat.ts and
// Importer.ts: a field it cannot read makes it refuse the file, a message it cannot read is left out).
// Each returns the problems found, one line per field, path first; an empty list means the file passes.

type Json = Record<string, unknown>;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

class Problems {
  readonly list: string[] = [];

  add(path: string, what: string): void {
    this.list.push(`${path}: ${what}`);
  }

  object(v: unknown, path: string): Json | null {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Json;
    this.add(path, 'must be an object');
    return null;
  }

  array(v: unknown, path: string): unknown[] | null {
    if (Array.isArray(v)) return v;
    this.add(path, 'must be an array');
    return null;
  }

  string(v: unknown, path: string, optional = false): void {
    if (optional && v === undefined) return;
    if (typeof v !== 'string') this.add(path, 'must be a string');
  }

  boolean(v: unknown, path: string, optional = false): void {
    if (optional && v === undefined) return;
    if (typeof v !== 'boolean') this.add(path, 'must be true or false');
  }

  /** A number at least `min`; with `orMinusOne`, -1 ("not available") is allowed too. */
  number(v: unknown, path: string, opts: { optional?: boolean; min?: number; orMinusOne?: boolean; integer?: boolean } = {}): void {
    if (opts.optional && v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v)) return this.add(path, 'must be a number');
    if (opts.integer && !Number.isInteger(v)) return this.add(path, 'must be a whole number');
    if (opts.orMinusOne && v === -1) return;
    if (opts.min !== undefined && v < opts.min) this.add(path, `must be ${opts.orMinusOne ? '-1 or ' : ''}at least ${opts.min}, is ${v}`);
  }

  date(v: unknown, path: string, optional = false): void {
    if (optional && v === undefined) return;
    if (typeof v !== 'string' || !ISO_DATE.test(v) || Number.isNaN(Date.parse(v))) this.add(path, `must be an ISO 8601 date with a time zone, is ${JSON.stringify(v)}`);
  }
}

/** The HAR 1.2 spec's requirements. */
export function harProblems(har: unknown): string[] {
  const p = new Problems();
  const root = p.object(har, '(root)');
  const log = root && p.object(root.log, 'log');
  if (!log) return p.list;
  if (log.version !== '1.2') p.add('log.version', `must be "1.2", is ${JSON.stringify(log.version)}`);
  creator(p, log.creator, 'log.creator');
  if (log.browser !== undefined) creator(p, log.browser, 'log.browser');
  p.string(log.comment, 'log.comment', true);
  const pageIds = new Set<string>();
  if (log.pages !== undefined) {
    p.array(log.pages, 'log.pages')?.forEach((v, i) => {
      const at = `log.pages[${i}]`;
      const page = p.object(v, at);
      if (!page) return;
      p.date(page.startedDateTime, `${at}.startedDateTime`);
      p.string(page.id, `${at}.id`);
      if (typeof page.id === 'string') pageIds.add(page.id);
      p.string(page.title, `${at}.title`);
      const timings = p.object(page.pageTimings, `${at}.pageTimings`);
      if (timings) {
        p.number(timings.onContentLoad, `${at}.pageTimings.onContentLoad`, { optional: true, min: 0, orMinusOne: true });
        p.number(timings.onLoad, `${at}.pageTimings.onLoad`, { optional: true, min: 0, orMinusOne: true });
      }
    });
  }
  p.array(log.entries, 'log.entries')?.forEach((v, i) => entry(p, v, `log.entries[${i}]`, pageIds));
  return p.list;
}

function creator(p: Problems, v: unknown, path: string): void {
  const c = p.object(v, path);
  if (!c) return;
  p.string(c.name, `${path}.name`);
  p.string(c.version, `${path}.version`);
  p.string(c.comment, `${path}.comment`, true);
}

function entry(p: Problems, v: unknown, path: string, pageIds: Set<string>): void {
  const e = p.object(v, path);
  if (!e) return;
  if (e.pageref !== undefined) {
    p.string(e.pageref, `${path}.pageref`);
    if (typeof e.pageref === 'string' && !pageIds.has(e.pageref)) p.add(`${path}.pageref`, `names no page in log.pages ("${e.pageref}")`);
  }
  p.date(e.startedDateTime, `${path}.startedDateTime`);
  p.number(e.time, `${path}.time`, { min: 0 });
  request(p, e.request, `${path}.request`);
  response(p, e.response, `${path}.response`);
  const cache = p.object(e.cache, `${path}.cache`);
  if (cache) {
    for (const k of ['beforeRequest', 'afterRequest'] as const) {
      if (cache[k] === undefined || cache[k] === null) continue;
      const c = p.object(cache[k], `${path}.cache.${k}`);
      if (!c) continue;
      p.date(c.expires, `${path}.cache.${k}.expires`, true);
      p.date(c.lastAccess, `${path}.cache.${k}.lastAccess`);
      p.string(c.eTag, `${path}.cache.${k}.eTag`);
      p.number(c.hitCount, `${path}.cache.${k}.hitCount`, { min: 0, integer: true });
    }
  }
  const t = p.object(e.timings, `${path}.timings`);
  if (t) {
    for (const k of ['blocked', 'dns', 'connect', 'ssl']) p.number(t[k], `${path}.timings.${k}`, { optional: true, min: 0, orMinusOne: true });
    for (const k of ['send', 'wait', 'receive']) p.number(t[k], `${path}.timings.${k}`, { min: 0 });
    // The spec: `time` is the sum of the timings that apply; ssl is already part of connect.
    const sum = ['blocked', 'dns', 'connect', 'send', 'wait', 'receive']
      .reduce((s, k) => s + (typeof t[k] === 'number' && (t[k] as number) > 0 ? (t[k] as number) : 0), 0);
    if (typeof e.time === 'number' && Math.abs(e.time - sum) > 1e-6 * Math.max(1, sum)) p.add(`${path}.time`, `must be the sum of the timings (${sum}), is ${e.time}`);
    if (typeof t.ssl === 'number' && t.ssl > 0 && !(typeof t.connect === 'number' && t.connect >= t.ssl)) p.add(`${path}.timings.connect`, 'must include ssl');
  }
  p.string(e.serverIPAddress, `${path}.serverIPAddress`, true);
  p.string(e.connection, `${path}.connection`, true);
  p.string(e.comment, `${path}.comment`, true);
}

function request(p: Problems, v: unknown, path: string): void {
  const r = p.object(v, path);
  if (!r) return;
  p.string(r.method, `${path}.method`);
  if (typeof r.url !== 'string' || URL.parse(r.url) === null) p.add(`${path}.url`, `must be an absolute URL, is ${JSON.stringify(r.url)}`);
  p.string(r.httpVersion, `${path}.httpVersion`);
  cookies(p, r.cookies, `${path}.cookies`);
  nameValues(p, r.headers, `${path}.headers`);
  nameValues(p, r.queryString, `${path}.queryString`);
  if (r.postData !== undefined) {
    const d = p.object(r.postData, `${path}.postData`);
    if (d) {
      p.string(d.mimeType, `${path}.postData.mimeType`);
      p.string(d.text, `${path}.postData.text`, true);
      if (d.params !== undefined) {
        p.array(d.params, `${path}.postData.params`)?.forEach((x, i) => {
          const param = p.object(x, `${path}.postData.params[${i}]`);
          if (param) p.string(param.name, `${path}.postData.params[${i}].name`);
        });
      }
    }
  }
  p.number(r.headersSize, `${path}.headersSize`, { min: 0, orMinusOne: true, integer: true });
  p.number(r.bodySize, `${path}.bodySize`, { min: 0, orMinusOne: true, integer: true });
}

function response(p: Problems, v: unknown, path: string): void {
  const r = p.object(v, path);
  if (!r) return;
  p.number(r.status, `${path}.status`, { min: 0, integer: true });
  p.string(r.statusText, `${path}.statusText`);
  p.string(r.httpVersion, `${path}.httpVersion`);
  cookies(p, r.cookies, `${path}.cookies`);
  nameValues(p, r.headers, `${path}.headers`);
  const c = p.object(r.content, `${path}.content`);
  if (c) {
    p.number(c.size, `${path}.content.size`, { min: 0, integer: true });
    p.number(c.compression, `${path}.content.compression`, { optional: true });
    p.string(c.mimeType, `${path}.content.mimeType`);
    p.string(c.text, `${path}.content.text`, true);
    p.string(c.encoding, `${path}.content.encoding`, true);
  }
  p.string(r.redirectURL, `${path}.redirectURL`);
  p.number(r.headersSize, `${path}.headersSize`, { min: 0, orMinusOne: true, integer: true });
  p.number(r.bodySize, `${path}.bodySize`, { min: 0, orMinusOne: true, integer: true });
}

function cookies(p: Problems, v: unknown, path: string): void {
  p.array(v, path)?.forEach((x, i) => {
    const c = p.object(x, `${path}[${i}]`);
    if (!c) return;
    p.string(c.name, `${path}[${i}].name`);
    p.string(c.value, `${path}[${i}].value`);
    p.string(c.path, `${path}[${i}].path`, true);
    p.string(c.domain, `${path}[${i}].domain`, true);
    p.date(c.expires, `${path}[${i}].expires`, true);
    p.boolean(c.httpOnly, `${path}[${i}].httpOnly`, true);
    p.boolean(c.secure, `${path}[${i}].secure`, true);
  });
}

function nameValues(p: Problems, v: unknown, path: string): void {
  p.array(v, path)?.forEach((x, i) => {
    const nv = p.object(x, `${path}[${i}]`);
    if (!nv) return;
    p.string(nv.name, `${path}[${i}].name`);
    p.string(nv.value, `${path}[${i}].value`);
  });
}

// ------------------------------------------------------------------------------------ Chrome DevTools

/** Chrome's HARBase: every level it reads must be an object, or the import fails. */
function chromeObject(p: Problems, v: unknown, path: string): Json | null {
  if (typeof v === 'object' && v !== null) return v as Json;
  p.add(path, 'Chrome refuses the file: must be an object');
  return null;
}

/** Chrome's safeNumber: whatever Number() does not turn into NaN (so null passes, as 0). */
function chromeNumber(p: Problems, v: unknown, path: string, optional = false): void {
  if (optional && v === undefined) return;
  if (Number.isNaN(Number(v))) p.add(path, `Chrome refuses the file: Number(${JSON.stringify(v)}) is NaN`);
}

/** What Chrome DevTools' "Import HAR file" requires, and the WebSocket messages it would leave out. */
export function chromeImportProblems(har: unknown): string[] {
  const p = new Problems();
  const root = chromeObject(p, har, '(root)');
  const log = root && chromeObject(p, root.log, 'log');
  if (!log) return p.list;
  chromeObject(p, log.creator, 'log.creator');
  if (Array.isArray(log.pages)) {
    log.pages.forEach((v, i) => {
      const page = chromeObject(p, v, `log.pages[${i}]`);
      if (!page) return;
      if (Number.isNaN(new Date(page.startedDateTime as string).getTime())) p.add(`log.pages[${i}].startedDateTime`, 'Chrome refuses the file: not a date');
      const timings = chromeObject(p, page.pageTimings, `log.pages[${i}].pageTimings`);
      if (timings) {
        chromeNumber(p, timings.onContentLoad, `log.pages[${i}].pageTimings.onContentLoad`, true);
        chromeNumber(p, timings.onLoad, `log.pages[${i}].pageTimings.onLoad`, true);
      }
    });
  }
  if (!Array.isArray(log.entries)) {
    p.add('log.entries', 'Chrome refuses the file: must be an array');
    return p.list;
  }
  log.entries.forEach((v, i) => {
    const at = `log.entries[${i}]`;
    const e = chromeObject(p, v, at);
    if (!e) return;
    if (Number.isNaN(new Date(e.startedDateTime as string).getTime())) p.add(`${at}.startedDateTime`, 'Chrome refuses the file: not a date');
    chromeNumber(p, e.time, `${at}.time`);
    const req = chromeObject(p, e.request, `${at}.request`);
    if (req) {
      if (typeof req.url !== 'string' || req.url === '') p.add(`${at}.request.url`, 'Chrome shows no URL: must be a non-empty string');
      for (const k of ['cookies', 'headers', 'queryString']) {
        if (Array.isArray(req[k])) (req[k] as unknown[]).forEach((x, j) => chromeObject(p, x, `${at}.request.${k}[${j}]`));
      }
      if (req.postData) chromeObject(p, req.postData, `${at}.request.postData`);
      chromeNumber(p, req.headersSize, `${at}.request.headersSize`);
      chromeNumber(p, req.bodySize, `${at}.request.bodySize`);
    }
    const res = chromeObject(p, e.response, `${at}.response`);
    if (res) {
      chromeNumber(p, res.status, `${at}.response.status`);
      for (const k of ['cookies', 'headers']) {
        if (Array.isArray(res[k])) (res[k] as unknown[]).forEach((x, j) => chromeObject(p, x, `${at}.response.${k}[${j}]`));
      }
      const content = chromeObject(p, res.content, `${at}.response.content`);
      if (content) {
        chromeNumber(p, content.size, `${at}.response.content.size`);
        chromeNumber(p, content.compression, `${at}.response.content.compression`, true);
      }
      chromeNumber(p, res.headersSize, `${at}.response.headersSize`);
      chromeNumber(p, res.bodySize, `${at}.response.bodySize`);
      chromeNumber(p, res._transferSize, `${at}.response._transferSize`, true);
    }
    const t = chromeObject(p, e.timings, `${at}.timings`);
    if (t) {
      for (const k of ['send', 'wait', 'receive']) chromeNumber(p, t[k], `${at}.timings.${k}`);
      for (const k of ['blocked', 'dns', 'connect', 'ssl']) chromeNumber(p, t[k], `${at}.timings.${k}`, true);
    }
    const messages = e._webSocketMessages;
    if (messages === undefined) return;
    if (e._resourceType !== 'websocket') p.add(`${at}._resourceType`, `Chrome shows the messages only for "websocket", is ${JSON.stringify(e._resourceType)}`);
    if (!Array.isArray(messages)) {
      p.add(`${at}._webSocketMessages`, 'Chrome ignores it: must be an array');
      return;
    }
    messages.forEach((x, j) => {
      const mat = `${at}._webSocketMessages[${j}]`;
      // Chrome drops the whole list at the first element that is not an object.
      if (typeof x !== 'object') return p.add(mat, 'Chrome drops every message: must be an object');
      const m = chromeObject(p, x, mat);
      if (!m) return;
      chromeNumber(p, m.time, `${mat}.time`, true);
      chromeNumber(p, m.opcode, `${mat}.opcode`, true);
      if (m.time === undefined) p.add(`${mat}.time`, 'Chrome leaves the message out: missing');
      if (m.opcode === undefined) p.add(`${mat}.opcode`, 'Chrome leaves the message out: missing');
      if (m.data === undefined) p.add(`${mat}.data`, 'Chrome leaves the message out: missing');
      if (!['send', 'receive', 'error'].includes(String(m.type))) p.add(`${mat}.type`, `Chrome leaves the message out: must be "send", "receive" or "error", is ${JSON.stringify(m.type)}`);
    });
  });
  return p.list;
}
