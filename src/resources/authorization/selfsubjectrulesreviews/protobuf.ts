/** A SelfSubjectRulesReview as `kubectl auth can-i --list` sends it in protobuf: spec.namespace. */
import { first, readFields, str, type ProtobufDecoder } from '../../../apiserver/http/protobuf.js';

export const decodeSelfSubjectRulesReview: ProtobufDecoder = (fs) => {
  const spec = readFields(first(fs, 2)?.bytes ?? Buffer.alloc(0));
  const namespace = str(first(spec, 1));
  return { spec: namespace ? { namespace } : {} };
};
