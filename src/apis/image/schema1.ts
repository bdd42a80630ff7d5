/**
 * Docker schema 1 manifests and their digests. Pure.
 *
 * A signed schema 1 manifest (prettyjws, docker/libtrust) is addressed by its payload: every
 * signature's protected header records how many bytes of the body precede the signatures
 * (`formatLength`) and the bytes that closed the payload (`formatTail`, base64url). Whoever reads
 * the manifest reads the whole body, though, and bytes outside the payload are not covered by the
 * digest: a registry could append other layers or another command after `formatLength` and still
 * name the result after a real image. So the rule here is that a digest is only ever given for the
 * bytes that are read: the body must be the payload plus a `signatures` member and nothing else
 * (compared as parsed JSON, member by member), or it is refused.
 *
 * An unsigned schema 1 manifest (no `signatures` member) is addressed by its bytes, which are what
 * is read. Bytes that are not a JSON object are addressed by their bytes too: nothing can parse them.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';

export interface Schema1Content {
  /** The digest the manifest is addressed by (sha256 of `payload`). */
  readonly digest: string;
  /** The bytes the digest is of: the signed payload, or the whole body when unsigned. */
  readonly payload: Buffer;
  readonly signed: boolean;
}

/** Why a manifest was refused; `error` names the digest it claims (or that of its bytes). */
export interface Schema1Refusal {
  readonly error: string;
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function parseJson(b: Buffer): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(b.toString('utf8')) as unknown };
  } catch {
    return undefined;
  }
}

/** formatLength and formatTail of one signature, or why they cannot be read. */
function payloadFormat(sig: unknown, bodyLength: number): { formatLength: number; formatTail: string } | string {
  if (!isObj(sig) || typeof sig['protected'] !== 'string' || !sig['protected'] || !BASE64URL.test(sig['protected']))
    return 'a signature has no protected header';
  const header = parseJson(Buffer.from(sig['protected'], 'base64url'));
  if (!header || !isObj(header.value)) return 'a signature has a protected header that is not a JSON object';
  const { formatLength, formatTail } = header.value;
  if (typeof formatLength !== 'number' || !Number.isSafeInteger(formatLength) || formatLength < 0 || formatLength > bodyLength)
    return 'a signature has no valid formatLength';
  if (typeof formatTail !== 'string' || !BASE64URL.test(formatTail)) return 'a signature has no valid formatTail';
  return { formatLength, formatTail };
}

/**
 * The digest of a schema 1 manifest and the bytes it is of, or why it must be refused: a signed
 * manifest whose signatures disagree on the payload, whose payload is not JSON, or whose body says
 * anything besides its payload and its `signatures`.
 */
export function schema1Payload(body: Buffer): Schema1Content | Schema1Refusal {
  const whole = parseJson(body);
  if (!whole || !isObj(whole.value) || !Object.hasOwn(whole.value, 'signatures')) return { digest: sha256(body), payload: body, signed: false };
  const bytesDigest = sha256(body);
  const refuse = (digest: string, why: string): Schema1Refusal => ({ error: `signed schema 1 manifest ${digest}: ${why}` });
  const { signatures, ...unsigned } = whole.value;
  if (!Array.isArray(signatures) || signatures.length === 0) return refuse(bytesDigest, 'its signatures are not a non-empty list');
  let format: { formatLength: number; formatTail: string } | undefined;
  for (const sig of signatures) {
    const f = payloadFormat(sig, body.length);
    if (typeof f === 'string') return refuse(bytesDigest, f);
    if (
      format &&
      (f.formatLength !== format.formatLength || Buffer.compare(Buffer.from(f.formatTail, 'base64url'), Buffer.from(format.formatTail, 'base64url')) !== 0)
    )
      return refuse(bytesDigest, 'its signatures disagree on the signed payload');
    format ??= f;
  }
  if (!format) return refuse(bytesDigest, 'it has no signatures');
  const payload = Buffer.concat([body.subarray(0, format.formatLength), Buffer.from(format.formatTail, 'base64url')]);
  const digest = sha256(payload);
  const parsed = parseJson(payload);
  if (!parsed || !isObj(parsed.value)) return refuse(digest, 'the signed payload is not a JSON object');
  if (Object.hasOwn(parsed.value, 'signatures')) return refuse(digest, 'the signed payload has a signatures member of its own');
  if (!isDeepStrictEqual(unsigned, parsed.value)) return refuse(digest, 'the manifest has content outside its signed payload');
  return { digest, payload, signed: true };
}
