/**
 * Kubernetes protobuf request bodies. kubectl's typed commands (`create namespace|secret|configmap|
 * rolebinding`, `auth can-i`, `auth whoami`) send `application/vnd.kubernetes.protobuf` and do not
 * fall back to JSON. This reads the `k8s\0` envelope, the wire format and ObjectMeta; each kind that
 * accepts protobuf decodes its own message into its JSON shape (`ResourceHandler.protobuf`, beside
 * the kind), with field numbers from k8s.io/api's generated.proto. Responses stay JSON (the same
 * clients accept it).
 */
import { badRequest } from '../../api/errors.js';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** One field of a protobuf message: its number, and its value as a varint or bytes. */
export type Field = { num: number; varint?: bigint; bytes?: Buffer };

/** Decodes a kind's message (the object's fields) into its JSON form, metadata apart. */
export type ProtobufDecoder = (fields: Field[]) => Record<string, unknown>;

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

export function readFields(buf: Buffer): Field[] {
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

export const str = (f: Field | undefined) => f?.bytes?.toString('utf8');
export const first = (fs: Field[], n: number) => fs.find((f) => f.num === n);
export const all = (fs: Field[], n: number) => fs.filter((f) => f.num === n);

export function map(fs: Field[], n: number, valueAsBase64 = false): Record<string, string> | undefined {
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

export const strs = (fs: Field[], n: number) => all(fs, n).map((f) => str(f) ?? '');

/** Decodes a `k8s\0` envelope (runtime.Unknown) with its kind's decoder into the JSON form of the object it carries. */
export function decodeKubernetesProtobuf(body: Buffer, decode: ProtobufDecoder | undefined): unknown {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw badRequest('invalid protobuf body: missing the k8s envelope');
  const unknown = readFields(body.subarray(4));
  const typeMeta = readFields(first(unknown, 1)?.bytes ?? Buffer.alloc(0));
  const apiVersion = str(first(typeMeta, 1)) ?? '';
  const kind = str(first(typeMeta, 2)) ?? '';
  if (!decode) throw badRequest(`protobuf bodies are not accepted for ${kind || apiVersion || 'this resource'}; send it as application/json`);
  const fs = readFields(first(unknown, 2)?.bytes ?? Buffer.alloc(0));
  return { apiVersion, kind, metadata: objectMeta(first(fs, 1)?.bytes), ...decode(fs) };
}
