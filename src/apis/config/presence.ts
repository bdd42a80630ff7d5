/** Field presence of config.openshift.io/v1 Image, from openshift/api's `json` tags (see api/presence.ts). */
import type { PresenceTable } from '../../api/presence.js';

const V1 = 'com.github.openshift.api.config.v1';

export const CONFIG_PRESENCE: PresenceTable = {
  [`${V1}.Image`]: { structs: ['spec', 'status'] },
  [`${V1}.ImageSpec`]: {
    structs: ['additionalTrustedCA', 'registrySources'],
    omitEmpty: ['allowedRegistriesForImport', 'externalRegistryHostnames', 'imageStreamImportMode'],
  },
  [`${V1}.ConfigMapNameReference`]: { always: { name: '' } },
  [`${V1}.RegistrySources`]: { omitEmpty: ['insecureRegistries', 'blockedRegistries', 'allowedRegistries', 'containerRuntimeSearchRegistries'] },
  [`${V1}.RegistryLocation`]: { always: { domainName: '' }, omitEmpty: ['insecure'] },
  [`${V1}.ImageStatus`]: { omitEmpty: ['internalRegistryHostname', 'externalRegistryHostnames', 'imageStreamImportMode'] },
};
