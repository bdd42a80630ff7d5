/** config.openshift.io/v1 Image: the cluster-wide image policy (spec/004). */
import { Type, type Static } from '@sinclair/typebox';
import { named, objectHeader, type KubeObject } from '../../api/meta.js';

const HOSTNAMES_DESCRIPTION =
  'externalRegistryHostnames provides the hostnames for the default external image registry. The external hostname should be set only when the image registry is exposed externally. The first value is used in \'publicDockerImageRepository\' field in ImageStreams. The value must be in "hostname[:port]" format.';

export const RegistryLocation = named(
  'com.github.openshift.api.config.v1.RegistryLocation',
  Type.Object(
    {
      domainName: Type.Optional(
        Type.String({
          description:
            'domainName specifies a domain name for the registry In case the registry use non-standard (80 or 443) port, the port should be included in the domain name as well.',
        }),
      ),
      insecure: Type.Optional(
        Type.Boolean({
          description:
            'insecure indicates whether the registry is secure (https) or insecure (http) By default (if not specified) the registry is assumed as secure.',
        }),
      ),
    },
    {
      description:
        "RegistryLocation contains a location of the registry specified by the registry domain name. The domain name might include wildcards, like '*' or '??'.",
    },
  ),
);

const stringList = (description: string) => Type.Optional(Type.Array(Type.String(), { description, 'x-kubernetes-list-type': 'atomic' }));

export const RegistrySources = named(
  'com.github.openshift.api.config.v1.RegistrySources',
  Type.Object(
    {
      insecureRegistries: stringList('insecureRegistries are registries which do not have a valid TLS certificates or only support HTTP connections.'),
      blockedRegistries: stringList(
        'blockedRegistries cannot be used for image pull and push actions. All other registries are permitted. Only one of BlockedRegistries or AllowedRegistries may be set.',
      ),
      allowedRegistries: stringList(
        'allowedRegistries are the only registries permitted for image pull and push actions. All other registries are denied. Only one of BlockedRegistries or AllowedRegistries may be set.',
      ),
      containerRuntimeSearchRegistries: stringList(
        'containerRuntimeSearchRegistries are registries that will be searched when pulling images that do not have fully qualified domains in their pull specs. Registries will be searched in the order provided in the list. Note: this search list only works with the container runtime, i.e CRI-O. Will NOT work with builds or imagestream imports.',
      ),
    },
    { description: 'RegistrySources holds cluster-wide information about how to handle the registries config.' },
  ),
);

export const ConfigMapNameReference = named(
  'com.github.openshift.api.config.v1.ConfigMapNameReference',
  Type.Object(
    { name: Type.String({ description: 'name is the metadata.name of the referenced config map' }) },
    { description: 'ConfigMapNameReference references a config map in a specific namespace. The namespace must be specified at the point of use.' },
  ),
);

const IMPORT_MODE_DESCRIPTION =
  'imageStreamImportMode controls the import mode behaviour of imagestreams: Legacy imports one image of a manifest list, PreserveOriginal keeps the list and every image in it. When empty, the cluster default (Legacy) applies.';

/** ImageSpec and ImageStatus have no description of their own (the API gives them none): the fields that hold them do. */
export const ClusterImageSpec = named(
  'com.github.openshift.api.config.v1.ImageSpec',
  Type.Object({
    allowedRegistriesForImport: Type.Optional(
      Type.Array(RegistryLocation, {
        description:
          'allowedRegistriesForImport limits the container image registries that normal users may import images from. Set this list to the registries that you trust to contain valid Docker images and that you want applications to be able to import from. Users with permission to create Images or ImageStreamMappings via the API are not affected by this policy - typically only administrators or system integrations will have those permissions.',
        'x-kubernetes-list-type': 'atomic',
      }),
    ),
    externalRegistryHostnames: stringList(HOSTNAMES_DESCRIPTION),
    additionalTrustedCA: Type.Optional({
      ...ConfigMapNameReference,
      description:
        'additionalTrustedCA is a reference to a ConfigMap containing additional CAs that should be trusted during imagestream import, pod image pull, build image pull, and imageregistry pullthrough. The namespace for this config map is openshift-config.',
    }),
    registrySources: Type.Optional({
      ...RegistrySources,
      description:
        'registrySources contains configuration that determines how the container runtime should treat individual registries when accessing images for builds+pods. (e.g. whether or not to allow insecure access). It does not contain configuration for the internal cluster registry.',
    }),
    imageStreamImportMode: Type.Optional(Type.String({ description: IMPORT_MODE_DESCRIPTION })),
  }),
);

export const ClusterImageStatus = named(
  'com.github.openshift.api.config.v1.ImageStatus',
  Type.Object({
    internalRegistryHostname: Type.Optional(
      Type.String({
        description:
          'internalRegistryHostname sets the hostname for the default internal image registry. The value must be in "hostname[:port]" format. This value is set by the image registry operator which controls the internal registry hostname.',
      }),
    ),
    externalRegistryHostnames: stringList(HOSTNAMES_DESCRIPTION),
    imageStreamImportMode: Type.Optional(Type.String({ description: IMPORT_MODE_DESCRIPTION })),
  }),
);

export const ClusterImageConfig = named(
  'com.github.openshift.api.config.v1.Image',
  Type.Object(
    {
      ...objectHeader(),
      spec: Type.Optional({ ...ClusterImageSpec, description: 'spec holds user settable values for configuration' }),
      status: Type.Optional({ ...ClusterImageStatus, description: 'status holds observed values from the cluster. They may not be overridden.' }),
    },
    {
      description:
        "Image governs policies related to imagestream imports and runtime configuration for external registries. It allows cluster admins to configure which registries OpenShift is allowed to import images from, extra CA trust bundles for external registries, and policies to block or allow registry hostnames. When exposing OpenShift's image registry to the public, this also lets cluster admins specify the external hostname.",
    },
  ),
);
export type ClusterImageConfig = Static<typeof ClusterImageConfig> & KubeObject;
