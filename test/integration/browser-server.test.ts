// Browser-mode server over real loopback sockets: token and cookie gate, Origin check, path containment.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PortInUseError, startBrowserServer, type BrowserServer } from '../../electron/headless/browser-server.ts';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

const secret = 'secret-outside-the-served-folder';
let workDir: string;
let server: BrowserServer;
let base: URL;
let cookie: string;

// node:http sends the path exactly as given, where fetch() would normalise '..' away before sending.
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'framescope-browser-server-'));
  const rootDir = join(workDir, 'www');
  mkdirSync(join(rootDir, 'assets'), { recursive: true });
  writeFileSync(join(rootDir, 'index.html'), '<!doctype html><title>Framescope</title><h1>Framescope</h1>');
  writeFileSync(join(rootDir, 'assets', 'app.js'), 'console.log("app");');
  writeFileSync(join(rootDir, 'assets', 'app.css'), 'body { margin: 0; }');
  writeFileSync(join(workDir, 'secret.txt'), secret);
  writeFileSync(join(workDir, 'package.json'), secret);
  server = await startBrowserServer({ port: 0, host: '127.0.0.1', rootDir });
  base = new URL(server.url);
  const first = await get(`/?token=${server.token}`);
  cookie = (first.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
});

afterAll(async () => {
  await server.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe('access token', () => {
  test('prints a loopback URL carrying a 22-character base64url token', () => {
    expect(base.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(base.searchParams.get('token')).toBe(server.token);
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  test('answers 403 without the token', async () => {
    const reply = await get('/');
    expect(reply.status).toBe(403);
    expect(reply.body).not.toContain('<h1>Framescope</h1>');
    expect(reply.headers['set-cookie']).toBeUndefined();
  });

  test('answers 403 to a wrong token and to a wrong cookie', async () => {
    expect((await get('/?token=AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(403);
    expect((await get('/', { Cookie: `framescope-${base.port}=AAAAAAAAAAAAAAAAAAAAAA` })).status).toBe(403);
  });

  test('serves the page with the token and sets an HttpOnly SameSite=Strict cookie', async () => {
    const reply = await get(`/?token=${server.token}`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.body).toContain('<h1>Framescope</h1>');
    const setCookie = reply.headers['set-cookie']?.[0] ?? '';
    expect(setCookie).toContain(`=${server.token}`);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
  });

  test('serves the page and its assets with the cookie alone', async () => {
    const page = await get('/', { Cookie: cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Framescope</h1>');
    const script = await get('/assets/app.js', { Cookie: cookie });
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const style = await get('/assets/app.css', { Cookie: cookie });
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
  });
});

describe('security headers', () => {
  test('are sent on pages and on refusals', async () => {
    for (const reply of [await get('/', { Cookie: cookie }), await get('/')]) {
      expect(reply.headers['content-security-policy']).toContain("default-src 'self'");
      expect(reply.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
      expect(reply.headers['referrer-policy']).toBe('no-referrer');
    }
  });
});

describe('Origin check', () => {
  test('refuses a foreign Origin even with a valid cookie and token', async () => {
    const reply = await get(`/?token=${server.token}`, { Cookie: cookie, Origin: 'http://evil.example' });
    expect(reply.status).toBe(403);
    expect(reply.body).not.toContain('<h1>Framescope</h1>');
    expect((await get('/', { Cookie: cookie, Origin: 'null' })).status).toBe(403);
  });

  test("accepts the server's own origin", async () => {
    expect((await get('/', { Cookie: cookie, Origin: base.origin })).status).toBe(200);
  });
});

describe('paths', () => {
  const escapes = [
    '/../package.json',
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/package.json',
    '/%2e%2e%2fsecret.txt',
    '/..%2fpackage.json',
    '/..%5csecret.txt',
    '/assets/../../secret.txt',
    '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/%252e%252e/secret.txt',
    '/%00/secret.txt',
    '/%E0%A4%A',
  ];
  test.each(escapes)('refuses %s', async (path) => {
    const reply = await get(path, { Cookie: cookie });
    expect([400, 404]).toContain(reply.status);
    expect(reply.body).not.toContain(secret);
  });

  test('answers 404 for a missing file and for a folder', async () => {
    expect((await get('/missing.js', { Cookie: cookie })).status).toBe(404);
    expect((await get('/assets', { Cookie: cookie })).status).toBe(404);
  });

  test('answers 405 to methods other than GET and HEAD', async () => {
    expect((await get('/', { Cookie: cookie }, 'POST')).status).toBe(405);
    expect((await get('/', { Cookie: cookie }, 'HEAD')).status).toBe(200);
  });
});

describe('listening', () => {
  test('reports a port in use with a PortInUseError that says what to do', async () => {
    const attempt = startBrowserServer({ port: Number(base.port), host: '127.0.0.1', rootDir: workDir });
    await expect(attempt).rejects.toBeInstanceOf(PortInUseError);
    await expect(attempt).rejects.toThrow(/--port/);
  });
});
