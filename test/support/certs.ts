// Throwaway TLS material for wss:// tests, made with the openssl command line at test time: a CA and a
// leaf certificate it signed for localhost and 127.0.0.1. Nothing is checked in, nothing outlives the run.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  /** The folder holding the files below; `dispose()` removes it. */
  dir: string;
  caPem: string;
  caPath: string;
  /** The leaf, for a server: subjectAltName localhost and 127.0.0.1, signed by the CA. */
  certPem: string;
  keyPem: string;
  dispose(): void;
}

/** Throws, saying so, when openssl is not installed: a TLS test must fail rather than pass untested. */
export function createTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'framescope-certs-'));
  const path = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    try {
      execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      throw new Error(missing ? 'The TLS tests need the openssl command; install it (apt-get install openssl)' : `openssl ${args[0]} failed: ${String((err as { stderr?: Buffer }).stderr ?? err)}`);
    }
  };
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...key, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Framescope Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', ...key, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=localhost');
  writeFileSync(path('leaf.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'leaf.ext', '-out', 'leaf.pem');
  return {
    dir,
    caPem: readFileSync(path('ca.pem'), 'utf8'),
    caPath: path('ca.pem'),
    certPem: readFileSync(path('leaf.pem'), 'utf8'),
    keyPem: readFileSync(path('leaf.key'), 'utf8'),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
