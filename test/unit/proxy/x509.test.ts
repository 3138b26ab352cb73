// The X.509 encoder, read back by a strict DER reader written here: OpenSSL and Node accept BER slips
// (long-form short lengths, an explicit FALSE, padded integers) that Chromium and Go refuse.
import { createHash, generateKeyPairSync, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { certificatePem, issueCertificate, type CertificateRequest } from '../../../electron/core/proxy/x509.ts';
import { toHex } from '../../support/bytes.ts';

interface Element {
  tag: number;
  content: Buffer;
  /** The whole encoding, header included. */
  der: Buffer;
  children: Element[];
}

/** Parses DER, throwing at the first thing DER forbids (X.690 §10 and §11). */
function parseDer(bytes: Buffer): Element[] {
  const elements: Element[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const tag = bytes[offset]!;
    if ((tag & 0x1f) === 0x1f) throw new Error(`high tag number at ${offset}`);
    let length = bytes[offset + 1] ?? NaN;
    let start = offset + 2;
    if (length & 0x80) {
      const count = length & 0x7f;
      if (count === 0) throw new Error(`indefinite length at ${offset}`);
      if (bytes[start] === 0) throw new Error(`length with a leading zero at ${offset}`);
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + bytes[start + i]!;
      if (length < 0x80) throw new Error(`long-form length ${length} at ${offset}`);
      start += count;
    }
    if (Number.isNaN(length) || start + length > bytes.length) throw new Error(`truncated element at ${offset}`);
    const content = bytes.subarray(start, start + length);
    const element = { tag, content, der: bytes.subarray(offset, start + length), children: tag & 0x20 ? parseDer(content) : [] };
    checkPrimitive(element);
    elements.push(element);
    offset = start + length;
  }
  return elements;
}

function checkPrimitive({ tag, content }: Element): void {
  const [first = 0, second = 0] = content;
  switch (tag) {
    case 0x01: // every BOOLEAN in a certificate is DEFAULT FALSE, so DER only ever writes TRUE
      if (content.length !== 1 || first !== 0xff) throw new Error(`BOOLEAN ${toHex(content)}`);
      break;
    case 0x02:
      if (content.length === 0 || (first === 0 && !(second & 0x80) && content.length > 1) || (first === 0xff && second & 0x80)) {
        throw new Error(`non-minimal INTEGER ${toHex(content)}`);
      }
      break;
    case 0x03: {
      const unused = first;
      const last = content[content.length - 1] ?? 0;
      if (unused > 7 || (content.length === 1 && unused !== 0) || (last & ((1 << unused) - 1)) !== 0) throw new Error(`BIT STRING ${toHex(content)}`);
      break;
    }
    case 0x17:
      if (!/^\d{12}Z$/.test(content.toString('latin1'))) throw new Error(`UTCTime ${content.toString('latin1')}`);
      break;
    case 0x18:
      if (!/^\d{14}Z$/.test(content.toString('latin1'))) throw new Error(`GeneralizedTime ${content.toString('latin1')}`);
      break;
  }
}

interface Extension {
  critical: boolean;
  value: Element;
}

/** Reads a certificate strictly, extension values included (each is DER inside an OCTET STRING). */
function readCertificate(der: Buffer) {
  const [certificate, ...trailing] = parseDer(der);
  expect(trailing).toEqual([]);
  const [tbs, signatureAlgorithm, signature] = certificate!.children;
  const [version, serial, tbsAlgorithm, issuer, validity, subject, spki, extensionsTag] = tbs!.children;
  const extensions = new Map<string, Extension>();
  for (const extension of extensionsTag!.children[0]!.children) {
    const [oid, ...rest] = extension.children;
    const valueHolder = rest[rest.length - 1]!;
    const [value, ...more] = parseDer(valueHolder.content);
    expect(more).toEqual([]);
    extensions.set(toHex(oid!.content), { critical: rest.length === 2, value: value! });
  }
  return { tbs: tbs!, signatureAlgorithm: signatureAlgorithm!, signature: signature!, version: version!, serial: serial!, tbsAlgorithm: tbsAlgorithm!, issuer: issuer!, validity: validity!, subject: subject!, spki: spki!, extensions };
}

const OID_HEX = {
  basicConstraints: '55 1d 13',
  keyUsage: '55 1d 0f',
  extKeyUsage: '55 1d 25',
  subjectAltName: '55 1d 11',
  subjectKeyIdentifier: '55 1d 0e',
  authorityKeyIdentifier: '55 1d 23',
};
const DAY_MS = 24 * 60 * 60 * 1000;
const ecKeys = (): { publicKey: KeyObject; privateKey: KeyObject } => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const caKeys = ecKeys();
const leafKeys = ecKeys();
const caName = { commonName: 'Test CA', organization: 'Framescope' };

function issueCa(overrides: Partial<CertificateRequest> = {}): Buffer {
  return issueCertificate({
    subject: caName, issuer: caName, publicKey: caKeys.publicKey, issuerPublicKey: caKeys.publicKey, signingKey: caKeys.privateKey,
    notBefore: new Date(Date.now() - DAY_MS), notAfter: new Date(Date.now() + 365 * DAY_MS), isCA: true, ...overrides,
  });
}

function issueLeaf(hosts: string[], overrides: Partial<CertificateRequest> = {}): Buffer {
  return issueCertificate({
    subject: { commonName: hosts[0], organization: 'Framescope' }, issuer: caName, publicKey: leafKeys.publicKey, issuerPublicKey: caKeys.publicKey,
    signingKey: caKeys.privateKey, notBefore: new Date(Date.now() - DAY_MS), notAfter: new Date(Date.now() + 30 * DAY_MS), isCA: false, hosts, ...overrides,
  });
}

describe('issueCertificate', () => {
  test.each([
    ['a CA', () => issueCa()],
    ['a leaf for a DNS name', () => issueLeaf(['ws.example.test'])],
    ['a leaf for IPv4 and IPv6 literals', () => issueLeaf(['127.0.0.1', '::1', 'fe80::1%eth0'])],
    ['a leaf for a name longer than a common name may be', () => issueLeaf([`${'a'.repeat(76)}.com`])],
  ])('writes %s in strict DER', (_, issue) => {
    const der = issue();
    expect(() => readCertificate(der)).not.toThrow();
    expect(new X509Certificate(der).raw).toEqual(der);
  });

  test('writes a v3 certificate signed with ECDSA over SHA-256, and the signature checks out', () => {
    const cert = readCertificate(issueCa());
    expect(toHex(cert.version.der)).toBe('a0 03 02 01 02');
    const ecdsaWithSha256 = '30 0a 06 08 2a 86 48 ce 3d 04 03 02';
    expect(toHex(cert.tbsAlgorithm.der)).toBe(ecdsaWithSha256);
    expect(toHex(cert.signatureAlgorithm.der)).toBe(ecdsaWithSha256);
    expect(cert.signature.content[0]).toBe(0);
    expect(verify('sha256', cert.tbs.der, caKeys.publicKey, cert.signature.content.subarray(1))).toBe(true);
  });

  test('serials are random, positive and 16 bytes', () => {
    const serials = [issueCa(), issueCa(), issueLeaf(['a.test'])].map((der) => readCertificate(der).serial.content);
    for (const serial of serials) {
      expect(serial.length).toBe(16);
      expect(serial[0]! & 0x80).toBe(0);
    }
    expect(new Set(serials.map(toHex)).size).toBe(3);
  });

  test('names hold the organization and then the common name, as UTF8String', () => {
    const cert = readCertificate(issueCa());
    expect(toHex(cert.subject.der)).toBe(toHex(cert.issuer.der));
    expect(new X509Certificate(issueCa()).subject).toBe('O=Framescope\nCN=Test CA');
    const [organization, commonName] = cert.subject.children.map((rdn) => rdn.children[0]!.children[1]!);
    expect(organization!.tag).toBe(0x0c);
    expect(commonName!.content.toString()).toBe('Test CA');
  });

  test('RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050', () => {
    const der = issueCa({ notBefore: new Date('2049-12-31T23:59:59Z'), notAfter: new Date('2050-01-01T00:00:00Z') });
    const [notBefore, notAfter] = readCertificate(der).validity.children;
    expect([notBefore!.tag, notBefore!.content.toString()]).toEqual([0x17, '491231235959Z']);
    expect([notAfter!.tag, notAfter!.content.toString()]).toEqual([0x18, '20500101000000Z']);
    const parsed = new X509Certificate(der);
    expect(new Date(parsed.validFrom).toISOString()).toBe('2049-12-31T23:59:59.000Z');
    expect(new Date(parsed.validTo).toISOString()).toBe('2050-01-01T00:00:00.000Z');
  });

  test('a CA has critical basicConstraints CA:TRUE and keyUsage keyCertSign, cRLSign, digitalSignature', () => {
    const { extensions } = readCertificate(issueCa());
    expect([...extensions.keys()]).toEqual([OID_HEX.basicConstraints, OID_HEX.keyUsage, OID_HEX.subjectKeyIdentifier, OID_HEX.authorityKeyIdentifier]);
    expect(extensions.get(OID_HEX.basicConstraints)).toMatchObject({ critical: true });
    expect(toHex(extensions.get(OID_HEX.basicConstraints)!.value.der)).toBe('30 03 01 01 ff');
    expect(extensions.get(OID_HEX.keyUsage)).toMatchObject({ critical: true });
    // bits 0, 5 and 6: 1000 0110, the one trailing zero bit left out (X.690 §11.2.2)
    expect(toHex(extensions.get(OID_HEX.keyUsage)!.value.der)).toBe('03 02 01 86');
  });

  test('a leaf has an empty basicConstraints (CA:FALSE is the default), digitalSignature, serverAuth and its hosts', () => {
    const { extensions } = readCertificate(issueLeaf(['ws.example.test', '127.0.0.1', '2001:db8::1']));
    expect([...extensions.keys()]).toEqual([
      OID_HEX.basicConstraints, OID_HEX.keyUsage, OID_HEX.extKeyUsage, OID_HEX.subjectAltName, OID_HEX.subjectKeyIdentifier, OID_HEX.authorityKeyIdentifier,
    ]);
    expect(toHex(extensions.get(OID_HEX.basicConstraints)!.value.der)).toBe('30 00');
    expect(toHex(extensions.get(OID_HEX.keyUsage)!.value.der)).toBe('03 02 07 80');
    expect(extensions.get(OID_HEX.extKeyUsage)).toMatchObject({ critical: false });
    expect(toHex(extensions.get(OID_HEX.extKeyUsage)!.value.der)).toBe('30 0a 06 08 2b 06 01 05 05 07 03 01');
    const names = extensions.get(OID_HEX.subjectAltName)!.value.children.map((name) => toHex(name.der));
    expect(names).toEqual([
      `82 0f ${toHex(Buffer.from('ws.example.test'))}`,
      '87 04 7f 00 00 01',
      '87 10 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01',
    ]);
  });

  test('key identifiers are the SHA-1 of the key bits, and a leaf points at its CA\'s', () => {
    const keyId = (key: KeyObject): string => toHex(createHash('sha1').update(key.export({ type: 'spki', format: 'der' }).subarray(-65)).digest());
    const ca = readCertificate(issueCa()).extensions;
    const leaf = readCertificate(issueLeaf(['a.test'])).extensions;
    expect(toHex(ca.get(OID_HEX.subjectKeyIdentifier)!.value.content)).toBe(keyId(caKeys.publicKey));
    expect(toHex(ca.get(OID_HEX.authorityKeyIdentifier)!.value.children[0]!.content)).toBe(keyId(caKeys.publicKey));
    expect(toHex(leaf.get(OID_HEX.subjectKeyIdentifier)!.value.content)).toBe(keyId(leafKeys.publicKey));
    expect(toHex(leaf.get(OID_HEX.authorityKeyIdentifier)!.value.der)).toBe(`30 16 80 14 ${keyId(caKeys.publicKey)}`);
  });

  test('a common name is cut at the 64 characters RFC 5280 allows; subjectAltName keeps the whole host', () => {
    const host = `${'a'.repeat(76)}.com`;
    const cert = new X509Certificate(issueLeaf([host]));
    expect(cert.subject).toBe(`O=Framescope\nCN=${host.slice(0, 64)}`);
    expect(cert.subjectAltName).toBe(`DNS:${host}`);
  });

  test('long contents use the long length form', () => {
    const der = issueLeaf(Array.from({ length: 20 }, (_, i) => `host-${i}.example.test`));
    expect(der[1]).toBe(0x82);
    expect(der.readUInt16BE(2)).toBe(der.length - 4);
    expect(new X509Certificate(der).subjectAltName).toContain('DNS:host-19.example.test');
  });

  test('certificatePem wraps base64 at 64 columns', () => {
    const der = issueCa();
    const pem = certificatePem(der);
    const lines = pem.trimEnd().split('\n');
    expect(lines[0]).toBe('-----BEGIN CERTIFICATE-----');
    expect(lines.at(-1)).toBe('-----END CERTIFICATE-----');
    expect(lines.slice(1, -2).every((line) => line.length === 64)).toBe(true);
    expect(new X509Certificate(pem).raw).toEqual(der);
  });
});
