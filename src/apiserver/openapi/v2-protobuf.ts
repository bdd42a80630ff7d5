/**
 * The OpenAPI v2 document in the protobuf encoding kubectl asks for
 * (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`: gnostic's openapi_v2.Document).
 * kubectl falls back to it to validate kinds that have no PATCH operation in OpenAPI v3 (the
 * create-only imagestreammappings and imagesignatures). Only the parts kubectl reads are encoded:
 * paths with their operations and parameters, definitions with their schemas and vendor extensions.
 * Field numbers follow gnostic's OpenAPIv2.proto; the wire format is written by hand (a handful of
 * message types does not justify a protobuf runtime).
 */
import YAML from 'yaml';

type Json = Record<string, unknown>;

class Writer {
  private readonly parts: Buffer[] = [];

  private varint(n: number): void {
    const bytes: number[] = [];
    let v = n;
    while (v > 0x7f) {
      bytes.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    bytes.push(v);
    this.parts.push(Buffer.from(bytes));
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  string(field: number, value: string | undefined): this {
    if (value === undefined || value === '') return this;
    const b = Buffer.from(value, 'utf8');
    this.tag(field, 2);
    this.varint(b.length);
    this.parts.push(b);
    return this;
  }

  strings(field: number, values: readonly unknown[] | undefined): this {
    for (const v of values ?? []) if (typeof v === 'string') this.string(field, v);
    return this;
  }

  bool(field: number, value: unknown): this {
    if (value !== true) return this;
    this.tag(field, 0);
    this.varint(1);
    return this;
  }

  message(field: number, inner: Writer | undefined): this {
    if (!inner) return this;
    const b = inner.finish();
    this.tag(field, 2);
    this.varint(b.length);
    this.parts.push(b);
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const w = () => new Writer();

/** NamedAny with the value as YAML, as gnostic keeps vendor extensions. */
function vendorExtensions(obj: Json): Writer[] {
  return Object.entries(obj)
    .filter(([k]) => k.startsWith('x-'))
    .map(([k, v]) =>
      w()
        .string(1, k)
        .message(2, w().string(2, YAML.stringify(v))),
    );
}

function schema(s: Json): Writer {
  const out = w();
  const allOf = s['allOf'] as Json[] | undefined;
  const ref = (s['$ref'] as string | undefined) ?? (allOf?.length === 1 ? (allOf[0]?.['$ref'] as string | undefined) : undefined);
  if (ref) return out.string(1, ref).string(4, s['description'] as string | undefined);
  out.string(2, s['format'] as string | undefined).string(4, s['description'] as string | undefined);
  out.strings(19, s['required'] as unknown[] | undefined);
  for (const e of (s['enum'] as unknown[] | undefined) ?? []) out.message(20, w().string(2, YAML.stringify(e)));
  const additional = s['additionalProperties'];
  if (additional === true) out.message(21, w().bool(2, true));
  else if (additional && typeof additional === 'object') out.message(21, w().message(1, schema(additional as Json)));
  const type = s['type'];
  if (typeof type === 'string') out.message(22, w().string(1, type));
  const items = s['items'] as Json | undefined;
  if (items) out.message(23, w().message(1, schema(items)));
  if (allOf && !ref) for (const a of allOf) out.message(24, schema(a));
  const props = s['properties'] as Record<string, Json> | undefined;
  if (props) {
    const p = w();
    for (const [name, value] of Object.entries(props)) p.message(1, w().string(1, name).message(2, schema(value)));
    out.message(25, p);
  }
  for (const ext of vendorExtensions(s)) out.message(31, ext);
  return out;
}

function parameter(p: Json): Writer {
  if (p['in'] === 'body') {
    const body = w()
      .string(1, p['description'] as string | undefined)
      .string(2, p['name'] as string)
      .string(3, 'body')
      .bool(4, p['required']);
    body.message(5, schema((p['schema'] as Json | undefined) ?? {}));
    return w().message(1, w().message(1, body));
  }
  const isPath = p['in'] === 'path';
  const sub = w()
    .bool(1, p['required'])
    .string(2, p['in'] as string)
    .string(3, p['description'] as string | undefined)
    .string(4, p['name'] as string);
  sub.string(isPath ? 5 : 6, p['type'] as string | undefined);
  sub.bool(isPath ? 19 : 20, p['uniqueItems']);
  return w().message(1, w().message(2, w().message(isPath ? 4 : 3, sub)));
}

function operation(op: Json): Writer {
  const out = w().strings(1, op['tags'] as unknown[] | undefined);
  out.string(3, op['description'] as string | undefined).string(5, op['operationId'] as string | undefined);
  out.strings(6, op['produces'] as unknown[] | undefined).strings(7, op['consumes'] as unknown[] | undefined);
  for (const p of (op['parameters'] as Json[] | undefined) ?? []) out.message(8, parameter(p));
  const responses = w();
  for (const [code, r] of Object.entries((op['responses'] as Record<string, Json> | undefined) ?? {})) {
    const resp = w().string(1, r['description'] as string | undefined);
    if (r['schema']) resp.message(2, w().message(1, schema(r['schema'] as Json)));
    responses.message(1, w().string(1, code).message(2, w().message(1, resp)));
  }
  out.message(9, responses);
  for (const ext of vendorExtensions(op)) out.message(13, ext);
  return out;
}

const METHODS: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, patch: 8 };

/** Encodes a Swagger 2.0 document (as built by buildOpenApiV2) as gnostic's protobuf Document. */
export function encodeOpenApiV2(doc: Json): Buffer {
  const out = w().string(1, doc['swagger'] as string);
  const info = (doc['info'] as Json | undefined) ?? {};
  out.message(
    2,
    w()
      .string(1, info['title'] as string | undefined)
      .string(2, info['version'] as string | undefined),
  );
  const paths = w();
  for (const [path, item] of Object.entries((doc['paths'] as Record<string, Json> | undefined) ?? {})) {
    const pi = w();
    for (const [method, field] of Object.entries(METHODS)) if (item[method]) pi.message(field, operation(item[method] as Json));
    for (const p of (item['parameters'] as Json[] | undefined) ?? []) pi.message(9, parameter(p));
    paths.message(2, w().string(1, path).message(2, pi));
  }
  out.message(8, paths);
  const defs = w();
  for (const [name, s] of Object.entries((doc['definitions'] as Record<string, Json> | undefined) ?? {}))
    defs.message(1, w().string(1, name).message(2, schema(s)));
  out.message(9, defs);
  return out.finish();
}

export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
