/**
 * Test fixtures: schema 1 manifests, signed as docker/libtrust writes them (the payload indented by
 * 3, then the signatures spliced in before its closing bytes), for the tests of every layer that
 * reads them.
 */
import { createHash } from 'node:crypto';

export const sha = (s: string | Buffer) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
export const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

export const manifest = (cmd: string, layer: string) => ({
  schemaVersion: 1,
  name: 'old/app',
  tag: 'v1',
  architecture: 'amd64',
  fsLayers: [{ blobSum: `sha256:${layer.repeat(64)}` }, { blobSum: `sha256:${'a'.repeat(64)}` }],
  history: [
    { v1Compatibility: JSON.stringify({ id: 'top', parent: 'base', created: '2020-01-01T00:00:00Z', config: { Cmd: [cmd] }, Size: 20 }) },
    { v1Compatibility: JSON.stringify({ id: 'base', created: '2019-01-01T00:00:00Z', Size: 10 }) },
  ],
});

export const protectedHeader = (formatLength: unknown, formatTail: unknown, time = '2020-01-01T00:00:00Z') =>
  b64url(JSON.stringify({ formatLength, formatTail, time }));
export const signature = (prot: string) => `{"header": {"alg": "ES256"}, "signature": "c2ln", "protected": "${prot}"}`;

/**
 * A signed schema 1 manifest as docker/libtrust writes it (the same construction as
 * test/e2e/import-faults.test.ts): the payload indented by 3, then the signatures spliced in before
 * its closing bytes. `between` is put after the signatures, outside the payload.
 */
export function signed(obj: unknown, o: { between?: string; signatures?: string[] } = {}) {
  const payload = JSON.stringify(obj, null, 3);
  const formatLength = payload.lastIndexOf('\n}');
  const tail = payload.slice(formatLength);
  const sigs = o.signatures ?? [signature(protectedHeader(formatLength, b64url(tail)))];
  const body = `${payload.slice(0, formatLength)},\n   "signatures": [${sigs.join(', ')}]${o.between ?? ''}${tail}`;
  return { payload, formatLength, tail, body: Buffer.from(body) };
}
