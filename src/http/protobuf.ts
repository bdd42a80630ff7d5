/**
 * Kubernetes protobuf request bodies for the core kinds we serve. kubectl's typed commands
 * (`create namespace`, `create secret`, `create configmap`) send `application/vnd.kubernetes.protobuf`
 * and do not fall back to JSON, so these few messages are decoded here into the JSON shape. The
 * wire format is read directly: field numbers from k8s.io/api generated.proto. Responses stay JSON
 * (the same clients accept it).
 */
import { badRequest } from '../api/errors.js';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';
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
      throw badRequest(`protobuf bodies are accepted only for Namespace, Secret and ConfigMap; send ${kind} as application/json`);
  }
}

/** Decodes a `k8s\0` envelope (runtime.Unknown) into the JSON form of the object it carries. */
export function decodeKubernetesProtobuf(body: Buffer): unknown {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw badRequest('invalid protobuf body: missing the k8s envelope');
  const unknown = readFields(body.subarray(4));
  const typeMeta = readFields(first(unknown, 1)?.bytes ?? Buffer.alloc(0));
  const apiVersion = str(first(typeMeta, 1)) ?? '';
  const kind = str(first(typeMeta, 2)) ?? '';
  if (apiVersion !== 'v1') throw badRequest(`protobuf bodies are accepted only for core v1 kinds, got ${apiVersion || '(none)'}`);
  return decodeKind(kind, first(unknown, 2)?.bytes ?? Buffer.alloc(0));
}
