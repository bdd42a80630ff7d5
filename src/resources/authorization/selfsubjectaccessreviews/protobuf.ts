/** A SelfSubjectAccessReview as `kubectl auth can-i` sends it in protobuf. */
import { first, readFields, str, type ProtobufDecoder } from '../../../apiserver/http/protobuf.js';

const RESOURCE_ATTRIBUTES = ['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name'];

export const decodeSelfSubjectAccessReview: ProtobufDecoder = (fs) => {
  const spec = readFields(first(fs, 2)?.bytes ?? Buffer.alloc(0));
  const out: Record<string, unknown> = {};
  const ra = first(spec, 1)?.bytes;
  if (ra) {
    const r = readFields(ra);
    out['resourceAttributes'] = Object.fromEntries(RESOURCE_ATTRIBUTES.map((k, i) => [k, str(first(r, i + 1))]).filter(([, v]) => v !== undefined));
  }
  const na = first(spec, 2)?.bytes;
  if (na) {
    const r = readFields(na);
    out['nonResourceAttributes'] = { path: str(first(r, 1)) ?? '', verb: str(first(r, 2)) ?? '' };
  }
  return { spec: out };
};
