/** A ConfigMap as kubectl sends it in protobuf (`kubectl create configmap`): data, binaryData, immutable. */
import { first, map, type ProtobufDecoder } from '../../../apiserver/http/protobuf.js';

export const decodeConfigMap: ProtobufDecoder = (fs) => {
  const obj: Record<string, unknown> = {};
  const data = map(fs, 2);
  if (data) obj['data'] = data;
  const binary = map(fs, 3, true);
  if (binary) obj['binaryData'] = binary;
  const immutable = first(fs, 4)?.varint;
  if (immutable !== undefined) obj['immutable'] = immutable !== 0n;
  return obj;
};
