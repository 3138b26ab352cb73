// Chromium accepting the MITM CA's leaves when the CA's SPKI hash is passed in
// --ignore-certificate-errors-spki-list, the way "Launch browser" starts it. Chromium matches the hash
// against the certificates the server sends (not a chain it builds), so the CA must travel with each leaf.
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CertificateAuthority } from '../../electron/core/proxy/certificates.ts';
import { CHROMIUM_PATH, requireChromium } from './support.ts';

let caDir: string;
let ca: CertificateAuthority;
const servers: https.Server[] = [];

/** An https server on 127.0.0.1 answering every request with a small page. */
async function serve(options: https.ServerOptions): Promise<string> {
  const server = https.createServer(options, (_, response) => {
    response.setHeader('content-type', 'text/html');
    response.end('<title>reached</title><p>through the MITM leaf</p>');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `https://localhost:${(server.address() as AddressInfo).port}/`;
}

/** Opens `url` in a fresh headless Chromium with `args`: the page title, or the navigation error. */
async function visit(url: string, args: string[]): Promise<string> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', '--disable-gpu', ...args] });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    return await page.title();
  } catch (err) {
    return (err as Error).message;
  } finally {
    await browser.close();
  }
}

beforeAll(() => {
  requireChromium();
  caDir = mkdtempSync(join(tmpdir(), 'framescope-e2e-ca-'));
  ca = CertificateAuthority.loadOrCreate(caDir);
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  })));
  rmSync(caDir, { recursive: true, force: true });
});

describe('Chromium and the MITM CA', () => {
  let proxyLikeUrl: string;
  beforeAll(async () => {
    // As the proxy serves them: a secure context per SNI name (leaf + CA), localhost's as the default.
    const fallback = ca.leafPem('localhost');
    proxyLikeUrl = await serve({ key: fallback.key, cert: fallback.cert + ca.certPem, SNICallback: (name, callback) => callback(null, ca.secureContext(name)) });
  });

  test('loads a page served with a leaf when the CA SPKI is listed', async () => {
    expect(await visit(proxyLikeUrl, [`--ignore-certificate-errors-spki-list=${ca.spki}`])).toBe('reached');
  });

  test('refuses the same page without the flag', async () => {
    expect(await visit(proxyLikeUrl, [])).toMatch(/net::ERR_CERT_AUTHORITY_INVALID/);
  });

  test('refuses it when another CA is listed', async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'framescope-e2e-other-ca-'));
    try {
      const other = CertificateAuthority.loadOrCreate(otherDir);
      expect(await visit(proxyLikeUrl, [`--ignore-certificate-errors-spki-list=${other.spki}`])).toMatch(/net::ERR_CERT_AUTHORITY_INVALID/);
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  test('does not honour the CA SPKI when the server sends the leaf alone', async () => {
    const leafOnlyUrl = await serve(ca.leafPem('localhost'));
    expect(await visit(leafOnlyUrl, [`--ignore-certificate-errors-spki-list=${ca.spki}`])).toMatch(/net::ERR_CERT_AUTHORITY_INVALID/);
  });
});
