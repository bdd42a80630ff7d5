/** A Namespace as kubectl sends it in protobuf (`kubectl create namespace`): spec.finalizers. */
import { all, first, readFields, str, type ProtobufDecoder } from '../../../apiserver/http/protobuf.js';

export const decodeNamespace: ProtobufDecoder = (fs) => {
  const spec = first(fs, 2)?.bytes;
  return spec ? { spec: { finalizers: all(readFields(spec), 1).map(str) } } : {};
};
