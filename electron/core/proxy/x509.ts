// The few bytes of ASN.1 DER that an X.509 v3 certificate needs (RFC 5280), so the MITM CA can issue
// certificates with node:crypto alone. Only what the CA and its leaves use is here: no general encoder.
import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

// ------------------------------------------------------------------------------------ DER (X.690)

function tlv(tag: number, content: Uint8Array): Buffer {
  const length = content.length;
  let head: number[];
  if (length < 0x80) {
    head = [tag, length];
  } else {
    // X.690 §8.1.3.5: long form, the fewest length octets.
    const octets: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
    head = [tag, 0x80 | octets.length, ...octets];
  }
  return Buffer.concat([Buffer.from(head), content]);
}

const sequence = (...parts: Uint8Array[]): Buffer => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Uint8Array[]): Buffer => tlv(0x31, Buffer.concat(parts));
const octetString = (bytes: Uint8Array): Buffer => tlv(0x04, bytes);
const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
const booleanTrue = (): Buffer => tlv(0x01, Buffer.from([0xff]));
/** [n] EXPLICIT: a constructed context tag around a whole encoding. */
const explicit = (n: number, inner: Uint8Array): Buffer => tlv(0xa0 | n, inner);

/** A non-negative INTEGER from its big-endian magnitude: no redundant leading zeros, a zero added when the top bit is set. */
function unsignedInteger(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  return tlv(0x02, (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

/** BIT STRING; `unusedBits` counts the padding bits at the end of the last octet. */
const bitString = (bytes: Uint8Array, unusedBits = 0): Buffer => tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes]));

function objectIdentifier(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const out: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    // X.690 §8.19.2: base 128, high bit set on every octet but the last.
    const digits: number[] = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) digits.unshift(0x80 | (value & 0x7f));
    out.push(...digits);
  }
  return tlv(0x06, Buffer.from(out));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, both in UTC to the second. */
function time(date: Date): Buffer {
  const year = date.getUTCFullYear();
  const two = (n: number): string => String(n).padStart(2, '0');
  const rest = `${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
  if (year >= 1950 && year <= 2049) return tlv(0x17, Buffer.from(`${two(year % 100)}${rest}`, 'ascii'));
  return tlv(0x18, Buffer.from(`${String(year).padStart(4, '0')}${rest}`, 'ascii'));
}

// ------------------------------------------------------------------------------------ reading SPKI

/** The content and the end offset of the DER element starting at `offset`. */
function readElement(der: Uint8Array, offset: number): { tag: number; content: Uint8Array; end: number } {
  const tag = der[offset] ?? -1;
  let length = der[offset + 1] ?? 0;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (der[start + i] ?? 0);
    start += count;
  }
  if (start + length > der.length) throw new Error('Truncated DER in a public key');
  return { tag, content: der.subarray(start, start + length), end: start + length };
}

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING's bits. */
function keyIdentifier(spki: Uint8Array): Buffer {
  const outer = readElement(spki, 0);
  const algorithm = readElement(outer.content, 0);
  const key = readElement(outer.content, algorithm.end);
  if (outer.tag !== 0x30 || key.tag !== 0x03) throw new Error('Not a SubjectPublicKeyInfo');
  return createHash('sha1').update(key.content.subarray(1)).digest();
}

// ------------------------------------------------------------------------------------ certificates

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
};

/** RFC 5280 Appendix A: ub-common-name and ub-organization-name. */
const NAME_ATTRIBUTE_LIMIT = 64;

export interface DistinguishedName {
  commonName?: string;
  organization?: string;
}

function name({ commonName, organization }: DistinguishedName): Buffer {
  const attribute = (oid: string, value: string): Buffer =>
    set(sequence(objectIdentifier(oid), utf8String(value.slice(0, NAME_ATTRIBUTE_LIMIT))));
  const rdns: Buffer[] = [];
  if (organization !== undefined) rdns.push(attribute(OID.organization, organization));
  if (commonName !== undefined) rdns.push(attribute(OID.commonName, commonName));
  return sequence(...rdns);
}

/** The 16 bytes of an IPv6 literal (zone id dropped, an embedded IPv4 tail allowed). */
function ipv6Bytes(literal: string): Buffer {
  let text = literal.split('%')[0] ?? '';
  const ipv4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (ipv4Tail !== null) {
    const [a = 0, b = 0, c = 0, d = 0] = ipv4Tail[1]!.split('.').map(Number);
    text = `${text.slice(0, ipv4Tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const all = [...front, ...Array<string>(8 - front.length - back.length).fill('0'), ...back];
  const out = Buffer.alloc(16);
  all.forEach((group, i) => out.writeUInt16BE(parseInt(group, 16), i * 2));
  return out;
}

/** A GeneralName for a host: iPAddress [7] for an IP literal, dNSName [2] otherwise. */
function generalName(host: string): Buffer {
  if (isIPv4(host)) return tlv(0x87, Buffer.from(host.split('.').map(Number)));
  if (isIPv6(host.split('%')[0] ?? '')) return tlv(0x87, ipv6Bytes(host));
  return tlv(0x82, Buffer.from(host, 'ascii'));
}

function extension(oid: string, critical: boolean, value: Uint8Array): Buffer {
  // DER leaves out DEFAULT values: `critical` is written only when true.
  return critical ? sequence(objectIdentifier(oid), booleanTrue(), octetString(value)) : sequence(objectIdentifier(oid), octetString(value));
}

export interface CertificateRequest {
  subject: DistinguishedName;
  issuer: DistinguishedName;
  /** The subject's public key. */
  publicKey: KeyObject;
  /** The issuer's public key (the subject's own for a self-signed CA), for the authority key identifier. */
  issuerPublicKey: KeyObject;
  /** The issuer's EC private key, which signs with ECDSA over SHA-256. */
  signingKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  /** true: a CA certificate; false: a TLS server certificate. */
  isCA: boolean;
  /** Host names and IP literals for subjectAltName (leaves only). */
  hosts?: string[];
}

/** Builds and signs an X.509 v3 certificate, returned as DER. */
export function issueCertificate(request: CertificateRequest): Buffer {
  const spki = request.publicKey.export({ type: 'spki', format: 'der' });
  const issuerSpki = request.issuerPublicKey.export({ type: 'spki', format: 'der' });
  const signatureAlgorithm = sequence(objectIdentifier(OID.ecdsaWithSha256));

  // RFC 5280 §4.1.2.2: a positive serial of at most 20 octets; 0x40 keeps it positive and minimal.
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40;

  // RFC 5280 §4.2.1.3 bit order: digitalSignature(0) … keyCertSign(5), cRLSign(6), counted from the top bit.
  const keyUsage = request.isCA ? bitString(Buffer.from([0x86]), 1) : bitString(Buffer.from([0x80]), 7);
  const extensions = [
    extension(OID.basicConstraints, true, request.isCA ? sequence(booleanTrue()) : sequence()),
    extension(OID.keyUsage, true, keyUsage),
    ...(request.isCA ? [] : [extension(OID.extKeyUsage, false, sequence(objectIdentifier(OID.serverAuth)))]),
    ...(request.hosts === undefined ? [] : [extension(OID.subjectAltName, false, sequence(...request.hosts.map(generalName)))]),
    extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(spki))),
    extension(OID.authorityKeyIdentifier, false, sequence(tlv(0x80, keyIdentifier(issuerSpki)))),
  ];

  const tbs = sequence(
    explicit(0, unsignedInteger(Buffer.from([2]))), // version v3
    unsignedInteger(serial),
    signatureAlgorithm,
    name(request.issuer),
    sequence(time(request.notBefore), time(request.notAfter)),
    name(request.subject),
    spki,
    explicit(3, sequence(...extensions)),
  );
  // node:crypto signs EC keys in DER (an Ecdsa-Sig-Value), which is what the signatureValue holds.
  const signature = sign('sha256', tbs, request.signingKey);
  return sequence(tbs, signatureAlgorithm, bitString(signature));
}

/** PEM armour for a DER certificate. */
export function certificatePem(der: Uint8Array): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
