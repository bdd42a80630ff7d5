/** A Secret as kubectl sends it in protobuf (`kubectl create secret`): data, type, stringData, immutable. */
import { first, map, str, type ProtobufDecoder } from '../../../apiserver/http/protobuf.js';

export const decodeSecret: ProtobufDecoder = (fs) => {
  const obj: Record<string, unknown> = {};
  const data = map(fs, 2, true);
  if (data) obj['data'] = data;
  const type = str(first(fs, 3));
  if (type) obj['type'] = type;
  const stringData = map(fs, 4);
  if (stringData) obj['stringData'] = stringData;
  const immutable = first(fs, 5)?.varint;
  if (immutable !== undefined) obj['immutable'] = immutable !== 0n;
  return obj;
};
