import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { manifestDigest, MEDIA } from './manifest.js';
import { schema1Payload, type Schema1Content } from './schema1.js';
import { b64url, manifest, protectedHeader, sha, signature, signed } from './schema1-fixtures.js';

const ok = (r: ReturnType<typeof schema1Payload>): Schema1Content => {
  assert.ok(!('error' in r), `refused: ${'error' in r ? r.error : ''}`);
  return r;
};
const refused = (r: ReturnType<typeof schema1Payload>, pattern: RegExp) => {
  assert.ok('error' in r, `accepted as ${'digest' in r ? r.digest : ''}`);
  assert.match(r.error, pattern);
};

describe('schema 1 manifest digests (schema1Payload)', () => {
  it('identifies a signed manifest by its payload, the bytes without the signatures', () => {
    const s = signed(manifest('/real', 'b'));
    const r = ok(schema1Payload(s.body));
    assert.equal(r.digest, sha(s.payload));
    assert.equal(r.signed, true);
    assert.equal(r.payload.toString(), s.payload);
  });

  it('accepts several signatures that agree on the payload', () => {
    const first = signed(manifest('/real', 'b'));
    const fl = first.formatLength;
    const sigs = [signature(protectedHeader(fl, b64url(first.tail))), signature(protectedHeader(fl, b64url(first.tail), '2021-06-01T00:00:00Z'))];
    const r = ok(schema1Payload(signed(manifest('/real', 'b'), { signatures: sigs }).body));
    assert.equal(r.digest, sha(first.payload));
  });

  it('accepts a payload closed by other bytes than libtrust writes (formatTail is whatever was cut)', () => {
    const payload = '{"schemaVersion":1,"name":"a/b","fsLayers":[],"history":[]}';
    const fl = payload.length - 1;
    const body = Buffer.from(`${payload.slice(0, fl)},"signatures":[${signature(protectedHeader(fl, b64url('}')))}]}`);
    assert.equal(ok(schema1Payload(body)).digest, sha(payload));
  });

  it('identifies an unsigned manifest, and bytes that are not a JSON object, by their bytes', () => {
    for (const text of [JSON.stringify(manifest('/real', 'b'), null, 3), 'not json', '[1,2]', '']) {
      const r = ok(schema1Payload(Buffer.from(text)));
      assert.equal(r.digest, sha(text));
      assert.equal(r.signed, false);
    }
  });

  it('refuses members after the signatures that replace signed ones (duplicate keys: the last wins when parsed)', () => {
    const real = signed(manifest('/real', 'b'));
    const forged = manifest('/forged', 'f');
    const between = `,\n   "fsLayers": ${JSON.stringify(forged.fsLayers)},\n   "history": ${JSON.stringify(forged.history)}`;
    const s = signed(manifest('/real', 'b'), { between });
    // What is parsed is the forged content...
    const parsed = JSON.parse(s.body.toString()) as { fsLayers: unknown; history: unknown };
    assert.deepEqual(parsed.fsLayers, forged.fsLayers);
    // ...while the payload still is the real image's.
    assert.equal(s.payload, real.payload);
    refused(schema1Payload(s.body), new RegExp(`^signed schema 1 manifest ${sha(real.payload)}: the manifest has content outside its signed payload$`));
  });

  it('refuses members after the signatures that add to the signed ones', () => {
    refused(schema1Payload(signed(manifest('/real', 'b'), { between: ',\n   "extra": {"Cmd": ["/forged"]}' }).body), /content outside its signed payload/);
  });

  it('refuses a body that is not the payload plus signatures, even with the same bytes before formatLength', () => {
    const s = signed(manifest('/real', 'b'));
    // The tail the signature names differs from the bytes that close the body.
    const body = Buffer.from(`${s.body.toString().slice(0, -2)},\n   "tag": "v2"\n}`);
    refused(schema1Payload(body), /content outside its signed payload/);
  });

  it('refuses signatures that disagree on formatLength or formatTail', () => {
    const s = signed(manifest('/real', 'b'));
    const good = signature(protectedHeader(s.formatLength, b64url(s.tail)));
    refused(
      schema1Payload(signed(manifest('/real', 'b'), { signatures: [good, signature(protectedHeader(s.formatLength - 1, b64url(s.tail)))] }).body),
      /disagree/,
    );
    refused(
      schema1Payload(signed(manifest('/real', 'b'), { signatures: [good, signature(protectedHeader(s.formatLength, b64url('\n }')))] }).body),
      /disagree/,
    );
  });

  it('refuses malformed signatures and protected headers', () => {
    const s = signed(manifest('/real', 'b'));
    const tail = b64url(s.tail);
    const cases: [string[], RegExp][] = [
      [[], /not a non-empty list/],
      [['"x"'], /no protected header/],
      [['{"header": {}}'], /no protected header/],
      [[signature('not*base64')], /no protected header/],
      [[signature(b64url('not json'))], /not a JSON object/],
      [[signature(b64url('[1]'))], /not a JSON object/],
      [[signature(protectedHeader(undefined, tail))], /formatLength/],
      [[signature(protectedHeader(-1, tail))], /formatLength/],
      [[signature(protectedHeader(1.5, tail))], /formatLength/],
      [[signature(protectedHeader('10', tail))], /formatLength/],
      [[signature(protectedHeader(1e9, tail))], /formatLength/],
      [[signature(protectedHeader(s.formatLength, 5))], /formatTail/],
      [[signature(protectedHeader(s.formatLength, 'a+b/'))], /formatTail/],
    ];
    for (const [sigs, pattern] of cases) refused(schema1Payload(signed(manifest('/real', 'b'), { signatures: sigs }).body), pattern);
    refused(schema1Payload(Buffer.from('{"schemaVersion": 1, "signatures": "x"}')), /not a non-empty list/);
  });

  it('refuses a payload that is not a JSON object, or that has signatures of its own', () => {
    const s = signed(manifest('/real', 'b'));
    refused(
      schema1Payload(signed(manifest('/real', 'b'), { signatures: [signature(protectedHeader(s.formatLength - 5, b64url(s.tail)))] }).body),
      /payload is not a JSON object/,
    );
    const inner = signed({ ...manifest('/real', 'b'), signatures: [] });
    // The payload carries `"signatures": []`; the body's signatures (spliced after it) win when parsed.
    refused(schema1Payload(inner.body), /signatures member of its own/);
  });

  it('compares members as parsed JSON, so a member named __proto__ is compared like any other', () => {
    const s = signed(manifest('/real', 'b'), { between: ',\n   "__proto__": {"Cmd": ["/forged"]}' });
    refused(schema1Payload(s.body), /content outside its signed payload/);
  });
});

describe('manifestDigest (images created and updated through the API) follows the same rule', () => {
  it('names a signed schema 1 manifest by its payload and anything else by its bytes', () => {
    const s = signed(manifest('/real', 'b'));
    for (const mt of [MEDIA.dockerV1Signed, MEDIA.dockerV1, undefined, '']) assert.equal(manifestDigest(s.body.toString(), mt), sha(s.payload));
    const unsigned = JSON.stringify(manifest('/real', 'b'), null, 3);
    assert.equal(manifestDigest(unsigned, MEDIA.dockerV1), sha(unsigned));
    const oci = '{"schemaVersion":2,"config":{"digest":"sha256:x","size":1},"layers":[]}';
    assert.equal(manifestDigest(oci, MEDIA.ociManifest), sha(oci));
  });

  it('gives no digest for a signed schema 1 manifest with content outside its payload', () => {
    const s = signed(manifest('/real', 'b'), { between: ',\n   "history": []' });
    assert.equal(manifestDigest(s.body.toString(), MEDIA.dockerV1), undefined);
    assert.equal(manifestDigest(s.body.toString(), undefined), undefined);
  });
});
