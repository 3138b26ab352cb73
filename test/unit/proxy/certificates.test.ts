// The MITM certificate authority: its files and their modes, reloading and replacing them, the
// certificates it issues as Node and openssl read them, and real TLS handshakes with its leaves.
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CertificateAuthority, trustInstructions } from '../../../electron/core/proxy/certificates.ts';
import { certificatePem, issueCertificate } from '../../../electron/core/proxy/x509.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
let root: string;
let dirCount = 0;
const freshDir = (): string => join(root, `ca-${dirCount++}`);
const mode = (path: string): number => statSync(path).mode & 0o777;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'framescope-ca-test-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the CA on disk', () => {
  test('is created with the folder 0700, the key 0600 and the certificate readable', () => {
    const dir = join(freshDir(), 'nested');
    const ca = CertificateAuthority.loadOrCreate(dir);
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, 'ca-key.pem'))).toBe(0o600);
    expect(mode(join(dir, 'ca.pem'))).toBe(0o644);
    expect(ca.certPath).toBe(join(dir, 'ca.pem'));
    expect(readFileSync(ca.certPath, 'utf8')).toBe(ca.certPem);
    expect(readFileSync(join(dir, 'ca-key.pem'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  test('reloads as the same certificate', () => {
    const dir = freshDir();
    const first = CertificateAuthority.loadOrCreate(dir);
    const again = CertificateAuthority.loadOrCreate(dir);
    expect(again.certPem).toBe(first.certPem);
    expect(again.spki).toBe(first.spki);
    expect(again.subject).toBe(first.subject);
    expect(again.notAfter).toBe(first.notAfter);
  });

  test('tightens a key file someone made readable to others', () => {
    const dir = freshDir();
    CertificateAuthority.loadOrCreate(dir);
    chmodSync(join(dir, 'ca-key.pem'), 0o644);
    CertificateAuthority.loadOrCreate(dir);
    expect(mode(join(dir, 'ca-key.pem'))).toBe(0o600);
  });

  test.each([
    ['a corrupt certificate', (dir: string) => writeFileSync(join(dir, 'ca.pem'), 'not a certificate')],
    ['a corrupt key', (dir: string) => writeFileSync(join(dir, 'ca-key.pem'), 'not a key')],
    ['a missing key', (dir: string) => rmSync(join(dir, 'ca-key.pem'))],
    ['a key of another CA', (dir: string) => writeFileSync(join(dir, 'ca-key.pem'), readFileSync(join(CertificateAuthority.loadOrCreate(freshDir()).certPath, '..', 'ca-key.pem')))],
  ])('replaces the pair after %s', (_, damage) => {
    const dir = freshDir();
    const first = CertificateAuthority.loadOrCreate(dir);
    damage(dir);
    const replaced = CertificateAuthority.loadOrCreate(dir);
    expect(replaced.spki).not.toBe(first.spki);
    expect(mode(join(dir, 'ca-key.pem'))).toBe(0o600);
    expect(CertificateAuthority.loadOrCreate(dir).spki).toBe(replaced.spki);
  });

  test('replaces an expired CA', () => {
    const dir = freshDir();
    CertificateAuthority.loadOrCreate(dir);
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const name = { commonName: 'Expired CA' };
    const expired = issueCertificate({
      subject: name, issuer: name, publicKey, issuerPublicKey: publicKey, signingKey: privateKey,
      notBefore: new Date(Date.now() - 20 * DAY_MS), notAfter: new Date(Date.now() - 10 * DAY_MS), isCA: true,
    });
    writeFileSync(join(dir, 'ca.pem'), certificatePem(expired));
    writeFileSync(join(dir, 'ca-key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const replaced = CertificateAuthority.loadOrCreate(dir);
    expect(replaced.subject).toMatch(/^CN=Framescope CA \(/);
    expect(new Date(replaced.notAfter).getTime()).toBeGreaterThan(Date.now());
  });

  test('regenerate replaces the pair with a new key', () => {
    const dir = freshDir();
    const first = CertificateAuthority.loadOrCreate(dir);
    const second = CertificateAuthority.regenerate(dir);
    expect(second.spki).not.toBe(first.spki);
    expect(readFileSync(second.certPath, 'utf8')).toBe(second.certPem);
    expect(mode(join(dir, 'ca-key.pem'))).toBe(0o600);
    expect(CertificateAuthority.loadOrCreate(dir).spki).toBe(second.spki);
  });
});

describe('the certificates', () => {
  let ca: CertificateAuthority;
  let caCert: X509Certificate;
  beforeAll(() => {
    ca = CertificateAuthority.loadOrCreate(freshDir());
    caCert = new X509Certificate(ca.certPem);
  });
  const leafOf = (host: string): X509Certificate => new X509Certificate(ca.leafPem(host).cert);

  test('the CA is a self-signed CA valid for ten years from yesterday', () => {
    expect(caCert.ca).toBe(true);
    expect(caCert.verify(caCert.publicKey)).toBe(true);
    expect(caCert.checkIssued(caCert)).toBe(true);
    expect(ca.subject).toMatch(/^CN=Framescope CA \(.+\), O=Framescope$/);
    const notBefore = new Date(caCert.validFrom).getTime();
    const notAfter = new Date(caCert.validTo).getTime();
    expect(notBefore).toBeLessThanOrEqual(Date.now() - DAY_MS + 60_000);
    expect(notAfter - Date.now()).toBeGreaterThan(9.9 * 365 * DAY_MS);
    expect(notAfter - Date.now()).toBeLessThan(10.1 * 365 * DAY_MS);
    expect(ca.notAfter).toBe(new Date(notAfter).toISOString());
  });

  test('spki is the base64 SHA-256 of the CA public key DER', () => {
    const der = caCert.publicKey.export({ type: 'spki', format: 'der' });
    expect(ca.spki).toBe(createHash('sha256').update(der).digest('base64'));
  });

  test('a leaf for a DNS name is signed by the CA, names the host only, serves TLS servers, and lives at most 397 days', () => {
    const leaf = leafOf('ws.example.test');
    expect(leaf.ca).toBe(false);
    expect(leaf.verify(caCert.publicKey)).toBe(true);
    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.issuer).toBe(caCert.subject);
    expect(leaf.subjectAltName).toBe('DNS:ws.example.test');
    expect(leaf.checkHost('ws.example.test')).toBe('ws.example.test');
    expect(leaf.checkHost('other.example.test')).toBeUndefined();
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    const notBefore = new Date(leaf.validFrom).getTime();
    const notAfter = new Date(leaf.validTo).getTime();
    expect(notBefore).toBeLessThanOrEqual(Date.now() - DAY_MS + 60_000);
    expect(notAfter - notBefore).toBeLessThanOrEqual(397 * DAY_MS);
    expect(notAfter - Date.now()).toBeGreaterThan(390 * DAY_MS);
  });

  test.each([
    ['127.0.0.1', '127.0.0.1', 'IP Address:127.0.0.1'],
    ['::1', '::1', 'IP Address:0:0:0:0:0:0:0:1'],
    ['[2001:db8::8:800:200c:417a]', '2001:db8::8:800:200c:417a', 'IP Address:2001:DB8:0:0:8:800:200C:417A'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1', 'IP Address:0:0:0:0:0:FFFF:C000:201'],
  ])('a leaf for the IP literal %s names that address', (host, ip, san) => {
    const leaf = leafOf(host);
    expect(leaf.subjectAltName).toBe(san);
    expect(leaf.checkIP(ip)).toBe(ip);
    expect(leaf.checkIP('10.0.0.1')).toBeUndefined();
    expect(leaf.verify(caCert.publicKey)).toBe(true);
  });

  test('hosts are issued once each, case-insensitively, all on one leaf key', () => {
    const first = ca.leafPem('Cache.Example.TEST');
    expect(ca.leafPem('cache.example.test')).toEqual(first);
    expect(leafOf('cache.example.test').subjectAltName).toBe('DNS:cache.example.test');
    const other = ca.leafPem('other.example.test');
    expect(other.cert).not.toBe(first.cert);
    expect(other.key).toBe(first.key);
    expect(ca.secureContext('cache.example.test')).toBe(ca.secureContext('CACHE.example.test'));
  });

  test('internationalized names are issued in their ASCII form', () => {
    expect(leafOf('bücher.example').subjectAltName).toBe('DNS:xn--bcher-kva.example');
  });

  test.each(['', 'a b.test', '*.example.test', 'host/path', 'user@host'])('refuses to issue for %j', (host) => {
    expect(() => ca.leafPem(host)).toThrow(/Cannot issue a certificate for ".*": it is neither a host name nor an IP address/);
  });

  test('keeps the 1000 most recently used hosts', () => {
    const lru = CertificateAuthority.loadOrCreate(freshDir());
    const kept = lru.leafPem('kept.test').cert;
    const evicted = lru.leafPem('evicted.test').cert;
    for (let i = 0; i < 998; i++) lru.leafPem(`filler-${i}.test`);
    expect(lru.leafPem('kept.test').cert).toBe(kept);
    lru.leafPem('one-more.test');
    expect(lru.leafPem('kept.test').cert).toBe(kept);
    expect(lru.leafPem('evicted.test').cert).not.toBe(evicted);
  });

  test.each(['ws.example.test', '127.0.0.1', '::1', 'localhost'])('openssl verifies the leaf for %s against the CA, strictly', (host) => {
    const dir = mkdtempSync(join(root, 'openssl-'));
    writeFileSync(join(dir, 'ca.pem'), ca.certPem);
    writeFileSync(join(dir, 'leaf.pem'), ca.leafPem(host).cert);
    const ssl = (...args: string[]): string => execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
    expect(ssl('verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', 'ca.pem', 'leaf.pem')).toBe('leaf.pem: OK\n');
    expect(ssl('verify', '-x509_strict', '-CAfile', 'ca.pem', 'ca.pem')).toBe('ca.pem: OK\n');
    const text = ssl('x509', '-in', 'leaf.pem', '-noout', '-text');
    expect(text).toMatch(/Version: 3 \(0x2\)/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:FALSE/);
    expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature\n/);
    expect(text).toMatch(/X509v3 Authority Key Identifier:/);
    expect(text).toMatch(/X509v3 Subject Key Identifier:/);
  });
});

describe('TLS with the issued leaves', () => {
  let ca: CertificateAuthority;
  let server: tls.Server;
  let port: number;

  beforeAll(async () => {
    ca = CertificateAuthority.loadOrCreate(freshDir());
    // Clients that send no SNI (IP literals) get the default certificate, the one for 127.0.0.1.
    const fallback = ca.leafPem('127.0.0.1');
    server = tls.createServer(
      { key: fallback.key, cert: fallback.cert + ca.certPem, SNICallback: (name, callback) => callback(null, ca.secureContext(name)) },
      (socket) => socket.end('hello'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Connects, reads until the server ends, and reports what the handshake decided. */
  function connect(options: tls.ConnectionOptions): Promise<{ authorized: boolean; peerSubjectAltName: string; data: string }> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port, ...options }, () => {
        let data = '';
        socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
        socket.on('end', () => resolve({ authorized: socket.authorized, peerSubjectAltName: socket.getPeerCertificate().subjectaltname ?? '', data }));
      });
      socket.on('error', reject);
    });
  }

  test('a client trusting the CA accepts the leaf for the name it asked for', async () => {
    const result = await connect({ servername: 'example.test', ca: ca.certPem });
    expect(result).toEqual({ authorized: true, peerSubjectAltName: 'DNS:example.test', data: 'hello' });
  });

  test('a client that does not trust the CA refuses it', async () => {
    await expect(connect({ servername: 'example.test' })).rejects.toMatchObject({ code: 'SELF_SIGNED_CERT_IN_CHAIN' });
  });

  test('a client trusting another CA refuses it', async () => {
    const other = CertificateAuthority.loadOrCreate(freshDir());
    await expect(connect({ servername: 'example.test', ca: other.certPem })).rejects.toMatchObject({ code: 'SELF_SIGNED_CERT_IN_CHAIN' });
  });

  test('a client dialing an IP literal accepts the leaf for that address', async () => {
    const result = await connect({ ca: ca.certPem });
    expect(result).toEqual({ authorized: true, peerSubjectAltName: 'IP Address:127.0.0.1', data: 'hello' });
  });
});

test('trust instructions name the certificate file and every route', () => {
  const text = trustInstructions('/home/me/.config/Framescope/ca/ca.pem');
  for (const needle of ['/home/me/.config/Framescope/ca/ca.pem', 'Chrome', 'Edge', 'Firefox', 'macOS', 'Windows', 'Debian/Ubuntu', 'NODE_EXTRA_CA_CERTS', '--ignore-certificate-errors-spki-list']) {
    expect(text).toContain(needle);
  }
});
