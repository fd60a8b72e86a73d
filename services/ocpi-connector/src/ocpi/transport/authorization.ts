/**
 * The credentials token of `Authorization: Token <base64(token)>` (transport_and_format, authorization header).
 * Peers from 2.1.1 and early 2.2 send the token unencoded; which reading applies is the partner's flag, so both
 * readings are returned and the caller decides with the partner it finds.
 */
export interface PresentedToken {
  /** The token if the header carried it Base64 encoded, as 2.2.1 requires. */
  readonly decoded: string | undefined;
  /** The header value as sent, the token of a peer that does not encode. */
  readonly raw: string;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const PRINTABLE = /^[\x21-\x7e]+$/;

export function parseAuthorization(header: string | undefined): PresentedToken | undefined {
  if (!header) return undefined;
  const match = /^Token\s+(\S+)\s*$/i.exec(header.trim());
  if (!match) return undefined;
  const raw = match[1]!;
  return { raw, decoded: decodeToken(raw) };
}

function decodeToken(value: string): string | undefined {
  if (value.length % 4 !== 0 || !BASE64.test(value)) return undefined;
  const text = Buffer.from(value, 'base64').toString('utf8');
  // Base64 of UTF-8 text round-trips; what does not was never an encoded token (e.g. a raw hex token).
  if (!PRINTABLE.test(text.replace(/\n$/, '')) || Buffer.from(text, 'utf8').toString('base64') !== value) return undefined;
  return text.replace(/\n$/, '');
}

export function authorizationHeader(token: string, encode = true): string {
  return `Token ${encode ? Buffer.from(token, 'utf8').toString('base64') : token}`;
}
