/**
 * The image API's field presence, from openshift/api's `json` tags: which fields are always in an
 * answer (and their value when unset) and which are left out when empty.
 */
import type { PresenceTable } from '../../api/presence.js';

const V1 = 'com.github.openshift.api.image.v1';

export const IMAGE_PRESENCE: PresenceTable = {
  [`${V1}.TagReference`]: { always: { name: '', annotations: null, generation: null }, omitEmpty: ['reference'], omitNil: ['from'] },
  [`${V1}.ImageStreamSpec`]: { omitEmpty: ['dockerImageRepository', 'tags'] },
  [`${V1}.ImageStreamStatus`]: { always: { dockerImageRepository: '' }, omitEmpty: ['publicDockerImageRepository', 'tags'] },
  [`${V1}.NamedTagEventList`]: { always: { tag: '', items: null }, omitEmpty: ['conditions'] },
  [`${V1}.TagEvent`]: { always: { created: null, dockerImageReference: '', image: '', generation: 0 } },
  [`${V1}.TagEventCondition`]: { always: { type: '', status: '', generation: 0 }, omitEmpty: ['lastTransitionTime', 'reason', 'message'] },
  [`${V1}.ImageStreamTag`]: { always: { tag: null, generation: 0 }, omitEmpty: ['conditions'] },
  [`${V1}.ImageTag`]: { always: { spec: null, status: null, image: null } },
  [`${V1}.ImageBlobReferences`]: { always: { imageMissing: false, layers: null, config: null }, omitEmpty: ['manifests'] },
  [`${V1}.ImageLayerData`]: { always: { size: null, mediaType: '' } },
};
