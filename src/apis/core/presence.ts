/**
 * Field presence of the core/v1 kinds served here, from k8s.io/api's `json` tags (see
 * api/presence.ts): what `kubectl get -o json` shows of them on kube-apiserver.
 */
import type { PresenceTable } from '../../api/presence.js';

const V1 = 'io.k8s.api.core.v1';

export const CORE_PRESENCE: PresenceTable = {
  [`${V1}.Secret`]: { omitEmpty: ['data', 'stringData', 'type'], omitNil: ['immutable'] },
  [`${V1}.ConfigMap`]: { omitEmpty: ['data', 'binaryData'], omitNil: ['immutable'] },
  [`${V1}.Namespace`]: { structs: ['spec', 'status'] },
  [`${V1}.NamespaceSpec`]: { omitEmpty: ['finalizers'] },
  [`${V1}.NamespaceStatus`]: { omitEmpty: ['phase', 'conditions'] },
  // Timestamps are metav1.Time structs: Go writes a zero one as null, omitempty or not.
  [`${V1}.Event`]: {
    always: { firstTimestamp: null, lastTimestamp: null, eventTime: null, reportingComponent: '', reportingInstance: '' },
    structs: ['involvedObject', 'source'],
    omitEmpty: ['reason', 'message', 'count', 'type', 'action'],
    omitNil: ['series', 'related'],
  },
  [`${V1}.EventSource`]: { omitEmpty: ['component', 'host'] },
  [`${V1}.ObjectReference`]: { omitEmpty: ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'] },
};
