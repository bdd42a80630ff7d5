/**
 * Kubernetes protobuf request bodies for the built-in kinds we serve. kubectl's typed commands
 * (`create namespace|secret|configmap|rolebinding`, `auth can-i`, `auth whoami`) send `application/vnd.kubernetes.protobuf`
 * and do not fall back to JSON, so these few messages are decoded here into the JSON shape. The
 * wire format is read directly: field numbers from k8s.io/api generated.proto. Responses stay JSON
 * (the same clients accept it).
 */
import { badRequest } from '../../api/errors.js';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';
const PROTOBUF_GROUPS = new Set(['v1', 'rbac.authorization.k8s.io/v1', 'authorization.k8s.io/v1', 'authentication.k8s.io/v1']);
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Field = { num: number; varint?: bigint; bytes?: Buffer };

function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw badRequest('invalid protobuf body: truncated varint');
    const b = buf[pos++] as number;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
    if (shift > 70n) throw badRequest('invalid protobuf body: varint too long');
  }
}

function readFields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, p1] = readVarint(buf, pos);
    pos = p1;
    const num = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (wire === 0) {
      const [v, p2] = readVarint(buf, pos);
      pos = p2;
      out.push({ num, varint: v });
    } else if (wire === 2) {
      const [len, p2] = readVarint(buf, pos);
      const end = p2 + Number(len);
      if (end > buf.length) throw badRequest('invalid protobuf body: truncated field');
      out.push({ num, bytes: buf.subarray(p2, end) });
      pos = end;
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else {
      throw badRequest(`invalid protobuf body: unsupported wire type ${wire}`);
    }
  }
  return out;
}

const str = (f: Field | undefined) => f?.bytes?.toString('utf8');
const first = (fs: Field[], n: number) => fs.find((f) => f.num === n);
const all = (fs: Field[], n: number) => fs.filter((f) => f.num === n);

function map(fs: Field[], n: number, valueAsBase64 = false): Record<string, string> | undefined {
  const entries = all(fs, n);
  if (entries.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const e of entries) {
    const kv = readFields(e.bytes ?? Buffer.alloc(0));
    const value = first(kv, 2)?.bytes ?? Buffer.alloc(0);
    out[str(first(kv, 1)) ?? ''] = valueAsBase64 ? value.toString('base64') : value.toString('utf8');
  }
  return out;
}

function objectMeta(buf: Buffer | undefined): Record<string, unknown> {
  const fs = readFields(buf ?? Buffer.alloc(0));
  const meta: Record<string, unknown> = {};
  const names: [number, string][] = [
    [1, 'name'],
    [2, 'generateName'],
    [3, 'namespace'],
    [5, 'uid'],
    [6, 'resourceVersion'],
  ];
  for (const [n, key] of names) {
    const v = str(first(fs, n));
    if (v) meta[key] = v;
  }
  const labels = map(fs, 11);
  if (labels) meta['labels'] = labels;
  const annotations = map(fs, 12);
  if (annotations) meta['annotations'] = annotations;
  const finalizers = all(fs, 14).map(str);
  if (finalizers.length) meta['finalizers'] = finalizers;
  return meta;
}

function decodeKind(kind: string, raw: Buffer): Record<string, unknown> {
  const fs = readFields(raw);
  const obj: Record<string, unknown> = { apiVersion: 'v1', kind, metadata: objectMeta(first(fs, 1)?.bytes) };
  switch (kind) {
    case 'Namespace': {
      const spec = first(fs, 2)?.bytes;
      if (spec) obj['spec'] = { finalizers: all(readFields(spec), 1).map(str) };
      return obj;
    }
    case 'Secret': {
      const data = map(fs, 2, true);
      if (data) obj['data'] = data;
      const type = str(first(fs, 3));
      if (type) obj['type'] = type;
      const stringData = map(fs, 4);
      if (stringData) obj['stringData'] = stringData;
      const immutable = first(fs, 5)?.varint;
      if (immutable !== undefined) obj['immutable'] = immutable !== 0n;
      return obj;
    }
    case 'ConfigMap': {
      const data = map(fs, 2);
      if (data) obj['data'] = data;
      const binary = map(fs, 3, true);
      if (binary) obj['binaryData'] = binary;
      const immutable = first(fs, 4)?.varint;
      if (immutable !== undefined) obj['immutable'] = immutable !== 0n;
      return obj;
    }
    default:
      return decodeOther(kind, fs, obj);
  }
}

const strs = (fs: Field[], n: number) => all(fs, n).map((f) => str(f) ?? '');

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

/** RBAC kinds and the self reviews, which kubectl's typed commands (create rolebinding, auth can-i, auth whoami) send as protobuf. */
function decodeOther(kind: string, fs: Field[], obj: Record<string, unknown>): Record<string, unknown> {
  switch (kind) {
    case 'Role':
    case 'ClusterRole':
      return { ...obj, rules: all(fs, 2).map((f) => policyRule(f.bytes)) };
    case 'RoleBinding':
    case 'ClusterRoleBinding': {
      const ref = readFields(first(fs, 3)?.bytes ?? Buffer.alloc(0));
      return {
        ...obj,
        subjects: all(fs, 2).map((f) => subject(f.bytes)),
        roleRef: { apiGroup: str(first(ref, 1)) ?? '', kind: str(first(ref, 2)) ?? '', name: str(first(ref, 3)) ?? '' },
      };
    }
    case 'SelfSubjectAccessReview': {
      const spec = readFields(first(fs, 2)?.bytes ?? Buffer.alloc(0));
      const out: Record<string, unknown> = {};
      const ra = first(spec, 1)?.bytes;
      if (ra) {
        const r = readFields(ra);
        const keys = ['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name'];
        out['resourceAttributes'] = Object.fromEntries(keys.map((k, i) => [k, str(first(r, i + 1))]).filter(([, v]) => v !== undefined));
      }
      const na = first(spec, 2)?.bytes;
      if (na) {
        const r = readFields(na);
        out['nonResourceAttributes'] = { path: str(first(r, 1)) ?? '', verb: str(first(r, 2)) ?? '' };
      }
      return { ...obj, spec: out };
    }
    case 'SelfSubjectReview':
      return obj;
    default:
      throw badRequest(`protobuf bodies are not accepted for ${kind}; send it as application/json`);
  }
}

/** Decodes a `k8s\0` envelope (runtime.Unknown) into the JSON form of the object it carries. */
export function decodeKubernetesProtobuf(body: Buffer): unknown {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw badRequest('invalid protobuf body: missing the k8s envelope');
  const unknown = readFields(body.subarray(4));
  const typeMeta = readFields(first(unknown, 1)?.bytes ?? Buffer.alloc(0));
  const apiVersion = str(first(typeMeta, 1)) ?? '';
  const kind = str(first(typeMeta, 2)) ?? '';
  if (!PROTOBUF_GROUPS.has(apiVersion)) throw badRequest(`protobuf bodies are not accepted for ${apiVersion || '(no apiVersion)'}; send JSON`);
  return { ...decodeKind(kind, first(unknown, 2)?.bytes ?? Buffer.alloc(0)), apiVersion };
}
