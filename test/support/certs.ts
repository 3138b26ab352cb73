// Throwaway TLS material for wss:// tests, made with the openssl command line at test time. Nothing is
// checked in; only the CA file for command-line tests outlives the call, until `dispose()`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  caPem: string;
  /** Signed by the CA, for 127.0.0.1 and localhost. */
  leaf: { key: string; cert: string };
  /** Signed by the CA, for ws.other.test only. */
  other: { key: string; cert: string };
  /** Self-signed, for 127.0.0.1. */
  selfSigned: { key: string; cert: string };
  /** The CA certificate as a file, for command-line options such as --ca. */
  caPath: string;
  /** Removes caPath's folder. */
  dispose(): void;
}

/** Makes a throwaway CA and three certificates with the system's openssl; throws (never skips) without it. */
export function makeCerts(): TestCerts {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    throw new Error('These tests need the openssl command to make test certificates — install openssl');
  }
  const dir = mkdtempSync(join(tmpdir(), 'framescope-certs-'));
  const kept = mkdtempSync(join(tmpdir(), 'framescope-ca-'));
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  try {
    ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Framescope Test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    const signed = (name: string, san: string): void => {
      ssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
      writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\n`);
      ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
    };
    signed('leaf', 'IP:127.0.0.1,DNS:localhost');
    signed('other', 'DNS:ws.other.test');
    ssl('req', '-x509', ...ec, '-keyout', 'self.key', '-out', 'self.pem', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1');
    const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
    const caPath = join(kept, 'ca.pem');
    writeFileSync(caPath, read('ca.pem'));
    return {
      caPem: read('ca.pem'),
      caPath,
      dispose: () => rmSync(kept, { recursive: true, force: true }),
      leaf: { key: read('leaf.key'), cert: read('leaf.pem') },
      other: { key: read('other.key'), cert: read('other.pem') },
      selfSigned: { key: read('self.key'), cert: read('self.pem') },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
