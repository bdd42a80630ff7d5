/** Roles and bindings as kubectl sends them in protobuf (`kubectl create role|rolebinding|…`). */
import { all, first, readFields, str, strs, type ProtobufDecoder } from '../../apiserver/http/protobuf.js';

function policyRule(buf: Buffer | undefined): Record<string, unknown> {
  const fs = readFields(buf ?? Buffer.alloc(0));
  const rule: Record<string, unknown> = { verbs: strs(fs, 1) };
  const lists: [number, string][] = [
    [2, 'apiGroups'],
    [3, 'resources'],
    [4, 'resourceNames'],
    [5, 'nonResourceURLs'],
  ];
  for (const [n, key] of lists) {
    const v = strs(fs, n);
    if (v.length) rule[key] = v;
  }
  return rule;
}

function subject(buf: Buffer | undefined): Record<string, unknown> {
  const fs = readFields(buf ?? Buffer.alloc(0));
  const out: Record<string, unknown> = { kind: str(first(fs, 1)) ?? '', name: str(first(fs, 3)) ?? '' };
  const apiGroup = str(first(fs, 2));
  if (apiGroup !== undefined) out['apiGroup'] = apiGroup;
  const ns = str(first(fs, 4));
  if (ns) out['namespace'] = ns;
  return out;
}

export const decodeRole: ProtobufDecoder = (fs) => ({ rules: all(fs, 2).map((f) => policyRule(f.bytes)) });

export const decodeRoleBinding: ProtobufDecoder = (fs) => {
  const ref = readFields(first(fs, 3)?.bytes ?? Buffer.alloc(0));
  return {
    subjects: all(fs, 2).map((f) => subject(f.bytes)),
    roleRef: { apiGroup: str(first(ref, 1)) ?? '', kind: str(first(ref, 2)) ?? '', name: str(first(ref, 3)) ?? '' },
  };
};
