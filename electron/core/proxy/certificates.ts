// The per-install MITM certificate authority: its key pair on disk (key readable by the user alone) and
// the leaf certificates it issues per host on the fly, so the proxy can terminate TLS for any site.
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { domainToASCII } from 'node:url';
import { certificatePem, issueCertificate, type DistinguishedName } from './x509.ts';

const CERT_FILE = 'ca.pem';
const KEY_FILE = 'ca-key.pem';
const DAY_MS = 24 * 60 * 60 * 1000;
const CA_LIFETIME_MS = 10 * 365 * DAY_MS;
/** Chromium rejects leaves valid for more than 398 days; a day of backdating absorbs clock skew. */
const LEAF_LIFETIME_MS = 397 * DAY_MS;
const LEAF_BACKDATE_MS = DAY_MS;
const LEAF_CACHE_SIZE = 1000;
const ORGANIZATION = 'Framescope';
// Modes mean nothing to Windows ACLs; there the user's profile folder is what keeps the key private.
const CHECK_MODES = process.platform !== 'win32';

interface Leaf {
  cert: string;
  key: string;
  context: tls.SecureContext;
  notAfter: number;
}

function newEcKeyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

function caCommonName(): string {
  let user = '';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): the host name alone still tells installs apart.
  }
  return `Framescope CA (${[hostname(), user].filter((part) => part !== '').join(' ')})`;
}

/** Writes a whole file or nothing, so a crash never leaves half a key behind. */
function writeFileWhole(path: string, data: string, mode: number): void {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(temporary, data, { mode, flag: 'wx' });
    renameSync(temporary, path);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw err;
  }
}

/** Makes sure only the owner can read the key file, tightening it if someone loosened it. */
function ensurePrivate(path: string): void {
  if (!CHECK_MODES || (statSync(path).mode & 0o077) === 0) return;
  chmodSync(path, 0o600);
  if ((statSync(path).mode & 0o077) !== 0) {
    throw new Error(`The CA key ${path} is readable by other users and could not be restricted — run: chmod 600 "${path}"`);
  }
}

/** The host as a certificate names it: an IP literal without brackets or zone, or a lower-case ASCII DNS name. */
function normalizeHost(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare.split('%')[0] ?? '') !== 0) return bare.split('%')[0]!.toLowerCase();
  // domainToASCII parses like a URL host ("a/b" gives "a"), so ASCII other than letters, digits, "." "-" "_" is refused first.
  const ascii = /[^A-Za-z0-9._\-\u{80}-\u{10FFFF}]/u.test(bare) ? '' : domainToASCII(bare.replace(/\.$/, ''));
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(ascii)) {
    throw new Error(`Cannot issue a certificate for "${host}": it is neither a host name nor an IP address`);
  }
  return ascii;
}

export class CertificateAuthority {
  readonly certPem: string;
  readonly certPath: string;
  /** base64 SHA-256 of the CA's SubjectPublicKeyInfo DER (Chromium's --ignore-certificate-errors-spki-list value). */
  readonly spki: string;
  /** e.g. "CN=Framescope CA (hostname user), O=Framescope" */
  readonly subject: string;
  /** ISO date */
  readonly notAfter: string;
  private readonly caKey: KeyObject;
  private readonly caCert: X509Certificate;
  private readonly caName: DistinguishedName;
  // One key pair serves every leaf: generating per host would cost far more than signing.
  private readonly leafKeys = newEcKeyPair();
  private readonly leafKeyPem: string;
  /** Map order is recency order: a hit moves its host to the end, eviction takes the front. */
  private readonly leaves = new Map<string, Leaf>();

  private constructor(certPath: string, certPem: string, caKey: KeyObject) {
    this.certPath = certPath;
    this.certPem = certPem;
    this.caKey = caKey;
    this.caCert = new X509Certificate(certPem);
    this.spki = createHash('sha256').update(this.caCert.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
    // X509Certificate lists the name broadest first; people read it the other way (RFC 4514).
    const parts = this.caCert.subject.split('\n');
    this.subject = [...parts].reverse().join(', ');
    this.caName = {
      commonName: parts.find((part) => part.startsWith('CN='))?.slice(3),
      organization: parts.find((part) => part.startsWith('O='))?.slice(2),
    };
    this.notAfter = new Date(this.caCert.validTo).toISOString();
    this.leafKeyPem = this.leafKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }

  /** Loads ca.pem + ca-key.pem from `dir`, or creates them (dir created 0700 if missing; key file mode 0600). A corrupt or expired pair is replaced. */
  static loadOrCreate(dir: string): CertificateAuthority {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return CertificateAuthority.load(dir) ?? CertificateAuthority.regenerate(dir);
  }

  /** Replaces the pair in `dir` with a new one. */
  static regenerate(dir: string): CertificateAuthority {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { publicKey, privateKey } = newEcKeyPair();
    const subject = { commonName: caCommonName(), organization: ORGANIZATION };
    const now = Date.now();
    const der = issueCertificate({
      subject,
      issuer: subject,
      publicKey,
      issuerPublicKey: publicKey,
      signingKey: privateKey,
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + CA_LIFETIME_MS),
      isCA: true,
    });
    const certPem = certificatePem(der);
    const keyPath = join(dir, KEY_FILE);
    // The key first: a certificate on disk whose key is missing is detected and replaced at load.
    writeFileWhole(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
    ensurePrivate(keyPath);
    writeFileWhole(join(dir, CERT_FILE), certPem, 0o644);
    return new CertificateAuthority(join(dir, CERT_FILE), certPem, privateKey);
  }

  /** The stored pair, or null when it is missing, unreadable, mismatched, not an EC CA or (nearly) expired. */
  private static load(dir: string): CertificateAuthority | null {
    const certPath = join(dir, CERT_FILE);
    const keyPath = join(dir, KEY_FILE);
    let certPem: string;
    let key: KeyObject;
    let cert: X509Certificate;
    try {
      certPem = readFileSync(certPath, 'utf8');
      key = createPrivateKey(readFileSync(keyPath));
      cert = new X509Certificate(certPem);
    } catch {
      return null;
    }
    const usable =
      cert.ca &&
      key.asymmetricKeyType === 'ec' &&
      cert.checkPrivateKey(key) &&
      cert.verify(cert.publicKey) &&
      new Date(cert.validTo).getTime() > Date.now() + DAY_MS;
    if (!usable) return null;
    ensurePrivate(keyPath);
    return new CertificateAuthority(certPath, certPem, key);
  }

  /** A TLS secure context serving a leaf certificate for `host` (DNS name or IP literal), signed by this CA; cached (LRU). */
  secureContext(host: string): tls.SecureContext {
    return this.leaf(host).context;
  }

  /** PEM of the leaf for `host` (same cache). */
  leafPem(host: string): { cert: string; key: string } {
    const { cert, key } = this.leaf(host);
    return { cert, key };
  }

  private leaf(host: string): Leaf {
    const name = normalizeHost(host);
    const now = Date.now();
    const cached = this.leaves.get(name);
    if (cached !== undefined) {
      this.leaves.delete(name);
      if (cached.notAfter > now + DAY_MS) {
        this.leaves.set(name, cached);
        return cached;
      }
    }
    const notBefore = now - LEAF_BACKDATE_MS;
    const notAfter = Math.min(notBefore + LEAF_LIFETIME_MS, new Date(this.caCert.validTo).getTime());
    const cert = certificatePem(
      issueCertificate({
        subject: { commonName: name, organization: ORGANIZATION },
        issuer: this.caName,
        publicKey: this.leafKeys.publicKey,
        issuerPublicKey: this.caCert.publicKey,
        signingKey: this.caKey,
        notBefore: new Date(notBefore),
        notAfter: new Date(notAfter),
        isCA: false,
        hosts: [name],
      }),
    );
    // The CA goes in the chain too: Chromium's --ignore-certificate-errors-spki-list matches only
    // the certificates the server sends, so the CA's SPKI counts only when the CA is among them.
    const context = tls.createSecureContext({ key: this.leafKeyPem, cert: cert + this.certPem });
    const leaf = { cert, key: this.leafKeyPem, context, notAfter };
    this.leaves.set(name, leaf);
    if (this.leaves.size > LEAF_CACHE_SIZE) this.leaves.delete(this.leaves.keys().next().value!);
    return leaf;
  }
}

/** Short trust instructions for browsers, operating systems and Node, mentioning the certificate's path. */
export function trustInstructions(certPath: string): string {
  return [
    `Framescope's CA certificate: ${certPath}`,
    'Trust it only on machines you control; anyone with its key can impersonate any site to them.',
    '',
    `- "Launch browser" (framescope browser) needs nothing: it starts Chromium or Chrome with the CA's`,
    `  key hash passed as --ignore-certificate-errors-spki-list=<hash> (see: framescope ca --spki).`,
    `- Chrome, Chromium, Edge, Brave: they use the operating system's store (below); on Linux, import it under`,
    `  Settings → Privacy and security → Security → Manage certificates → Authorities → Import.`,
    `- Firefox: Settings → Privacy & Security → Certificates → View Certificates → Authorities → Import,`,
    `  tick "Trust this CA to identify websites".`,
    `- macOS: sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain "${certPath}"`,
    `- Windows: certutil -user -addstore Root "${certPath}"`,
    `- Debian/Ubuntu: sudo cp "${certPath}" /usr/local/share/ca-certificates/framescope.crt && sudo update-ca-certificates`,
    `- Node.js apps: NODE_EXTRA_CA_CERTS="${certPath}" node app.js`,
  ].join('\n');
}
