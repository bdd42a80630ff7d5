/**
 * Schemas of image.openshift.io/v1 Image and ImageStream with their sub-types, as the API reference
 * defines them: one declaration for validation, OpenAPI (`kubectl explain`), patch strategies and
 * the TypeScript types. Patch merge keys follow openshift/api: spec.tags by `name`, status.tags by
 * `tag`, signatures by `name`, signature conditions by `type`. Every field carries its description,
 * the API's text; a field that reuses a named type carries its own, which `kubectl explain` prints
 * before the type's.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { named, objectHeader, StringMap, Time, type KubeObject } from '../../api/meta.js';
import { ObjectReference } from '../core/object-reference.js';

export { ObjectReference };

const V1 = 'com.github.openshift.api.image.v1';

/** How the image API words the `metadata` field of its kinds. */
export const METADATA_DESCRIPTION =
  'metadata is the standard object’s metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

const opt = <T extends TSchema>(s: T) => Type.Optional(s);
const nullableInt = (o: { description: string }) => Type.Union([Type.Integer({ format: 'int64' }), Type.Null()], o);

export const TagImportPolicy = named(
  `${V1}.TagImportPolicy`,
  Type.Object(
    {
      insecure: opt(
        Type.Boolean({ description: 'Insecure is true if the server may bypass certificate verification or connect directly over HTTP during image import.' }),
      ),
      scheduled: opt(
        Type.Boolean({
          description: 'Scheduled indicates to the server that this tag should be periodically checked to ensure it is up to date, and imported',
        }),
      ),
      importMode: opt(Type.String({ description: 'ImportMode describes how to import an image manifest.' })),
    },
    { description: 'TagImportPolicy controls how images related to this tag will be imported.' },
  ),
);

export const TagReferencePolicy = named(
  `${V1}.TagReferencePolicy`,
  Type.Object(
    {
      type: Type.String({
        description:
          'Type determines how the image pull spec should be transformed when the image stream tag is used in deployment config triggers or new builds. The default value is Source, indicating the original location of the image should be used (if imported). The user may also specify Local, indicating that the pull spec should point to the integrated container image registry and leverage the registry’s ability to proxy the pull to an upstream registry. Local allows the credentials used to pull this image to be managed from the image stream’s namespace, so others on the platform can access a remote image but have no access to the remote secret. It also allows the image layers to be mirrored into the local registry which the images can still be pulled even if the upstream registry is unavailable.',
      }),
    },
    {
      description:
        'TagReferencePolicy describes how pull-specs for images in this image stream tag are generated when image change triggers in deployment configs or builds are resolved. This allows the image stream author to control how images are accessed.',
    },
  ),
);

export const TagReference = named(
  `${V1}.TagReference`,
  Type.Object(
    {
      name: Type.String({ description: 'Name of the tag' }),
      annotations: opt(
        Type.Union([StringMap, Type.Null()], { description: 'Optional; if specified, annotations that are applied to images retrieved via ImageStreamTags.' }),
      ),
      from: opt({
        ...ObjectReference,
        description:
          'Optional; if specified, a reference to another image that this tag should point to. Valid values are ImageStreamTag, ImageStreamImage, and DockerImage. ImageStreamTag references can only reference a tag within this same ImageStream.',
      }),
      reference: opt(
        Type.Boolean({ description: 'Reference states if the tag will be imported. Default value is false, which means the tag will be imported.' }),
      ),
      generation: opt(
        nullableInt({
          description:
            'Generation is a counter that tracks mutations to the spec tag (user intent). When a tag reference is changed the generation is set to match the current stream generation (which is incremented every time spec is changed). Other processes in the system like the image importer observe that the generation of spec tag is newer than the generation recorded in the status and use that as a trigger to import the newest remote tag. To trigger a new import, clients may set this value to zero which will reset the generation to the latest stream generation. Legacy clients will send this value as nil which will be merged with the current tag generation.',
        }),
      ),
      importPolicy: opt({ ...TagImportPolicy, description: 'ImportPolicy is information that controls how images may be imported by the server.' }),
      referencePolicy: opt({ ...TagReferencePolicy, description: 'ReferencePolicy defines how other components should consume the image.' }),
    },
    {
      description:
        'TagReference specifies optional annotations for images using this tag and an optional reference to an ImageStreamTag, ImageStreamImage, or DockerImage this tag should track.',
    },
  ),
);
export type TagReference = Static<typeof TagReference>;

export const ImageLookupPolicy = named(
  `${V1}.ImageLookupPolicy`,
  Type.Object(
    {
      local: Type.Boolean({
        description:
          'local will change the docker short image references (like "mysql" or "php:latest") on objects in this namespace to the image ID whenever they match this image stream, instead of reaching out to a remote registry. The name will be fully qualified to an image ID if found. The tag’s referencePolicy is taken into account on the replaced value. Only works within the current namespace.',
      }),
    },
    {
      description:
        'ImageLookupPolicy describes how an image stream can be used to override the image references used by pods, builds, and other resources in a namespace.',
    },
  ),
);

export const ImageStreamSpec = named(
  `${V1}.ImageStreamSpec`,
  Type.Object(
    {
      lookupPolicy: opt({ ...ImageLookupPolicy, description: 'lookupPolicy controls how other resources reference images within this namespace.' }),
      dockerImageRepository: opt(
        Type.String({
          description:
            'dockerImageRepository is optional, if specified this stream is backed by a container repository on this server Deprecated: This field is deprecated as of v3.7 and will be removed in a future release. Specify the source for the tags to be imported in each tag via the spec.tags.from reference instead.',
        }),
      ),
      tags: opt(
        Type.Array(TagReference, {
          description: 'tags map arbitrary string values to specific image locators',
          'x-kubernetes-patch-strategy': 'merge',
          'x-kubernetes-patch-merge-key': 'name',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
        }),
      ),
    },
    { description: 'ImageStreamSpec represents options for ImageStreams.' },
  ),
);

export const TagEvent = named(
  `${V1}.TagEvent`,
  Type.Object(
    {
      created: Type.Union([{ ...Time }, Type.Null()], { description: 'Created holds the time the TagEvent was created' }),
      dockerImageReference: Type.String({ description: 'DockerImageReference is the string that can be used to pull this image' }),
      image: Type.String({ description: 'Image is the image' }),
      generation: Type.Integer({ format: 'int64', description: 'Generation is the spec tag generation that resulted in this tag being updated' }),
    },
    { description: 'TagEvent is used by ImageStreamStatus to keep a historical record of images associated with a tag.' },
  ),
);
export type TagEvent = Static<typeof TagEvent>;

export const TagEventCondition = named(
  `${V1}.TagEventCondition`,
  Type.Object(
    {
      type: Type.String({ description: 'Type of tag event condition, currently only ImportSuccess' }),
      status: Type.String({ description: 'Status of the condition, one of True, False, Unknown.' }),
      lastTransitionTime: opt({ ...Time, description: 'LastTransitionTIme is the time the condition transitioned from one status to another.' }),
      reason: opt(Type.String({ description: 'Reason is a brief machine readable explanation for the condition’s last transition.' })),
      message: opt(Type.String({ description: 'Message is a human readable description of the details about last transition, complementing reason.' })),
      generation: Type.Integer({ format: 'int64', description: 'Generation is the spec tag generation that this status corresponds to' }),
    },
    { description: 'TagEventCondition contains condition information for a tag event.' },
  ),
);
export type TagEventCondition = Static<typeof TagEventCondition>;

export const NamedTagEventList = named(
  `${V1}.NamedTagEventList`,
  Type.Object(
    {
      tag: Type.String({ description: 'Tag is the tag for which the history is recorded' }),
      items: Type.Union([Type.Array(TagEvent, { 'x-kubernetes-list-type': 'atomic' }), Type.Null()], { description: 'Standard object’s metadata.' }),
      conditions: opt(
        Type.Array(TagEventCondition, {
          description: 'Conditions is an array of conditions that apply to the tag event list.',
          'x-kubernetes-list-type': 'atomic',
        }),
      ),
    },
    { description: 'NamedTagEventList relates a tag to its image history.' },
  ),
);
export type NamedTagEventList = Static<typeof NamedTagEventList>;

export const ImageStreamStatus = named(
  `${V1}.ImageStreamStatus`,
  Type.Object(
    {
      dockerImageRepository: Type.String({
        description:
          'DockerImageRepository represents the effective location this stream may be accessed at. May be empty until the server determines where the repository is located',
      }),
      publicDockerImageRepository: opt(
        Type.String({
          description:
            'PublicDockerImageRepository represents the public location from where the image can be pulled outside the cluster. This field may be empty if the administrator has not exposed the integrated registry externally.',
        }),
      ),
      tags: opt(
        Type.Array(NamedTagEventList, {
          description: 'Tags are a historical record of images associated with each tag. The first entry in the TagEvent array is the currently tagged image.',
          'x-kubernetes-patch-strategy': 'merge',
          'x-kubernetes-patch-merge-key': 'tag',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['tag'],
        }),
      ),
    },
    { description: 'ImageStreamStatus contains information about the state of this image stream.' },
  ),
);

export const ImageStream = named(
  `${V1}.ImageStream`,
  Type.Object(
    {
      ...objectHeader(METADATA_DESCRIPTION),
      spec: opt({ ...ImageStreamSpec, description: 'Spec describes the desired state of this stream' }),
      status: opt({ ...ImageStreamStatus, description: 'Status describes the current state of this stream' }),
    },
    {
      description:
        'An ImageStream stores a mapping of tags to images, metadata overrides that are applied when images are tagged in a stream, and an optional reference to a container image repository on a registry. Users typically update the spec.tags field to point to external images which are imported from container registries using credentials in your namespace with the pull secret type, or to existing image stream tags and images which are immediately accessible for tagging or pulling. The history of images applied to a tag is visible in the status.tags field and any user who can view an image stream is allowed to tag that image into their own image streams. Access to pull images from the integrated registry is granted by having the "get imagestreams/layers" permission on a given image stream. Users may remove a tag by deleting the imagestreamtag resource, which causes both spec and status for that tag to be removed. Image stream history is retained until an administrator runs the prune operation, which removes references that are no longer in use. To preserve a historical image, ensure there is a tag in spec pointing to that image by its digest.',
    },
  ),
);
export type ImageStream = Static<typeof ImageStream> & KubeObject;

// Image -------------------------------------------------------------------------------------

export const ImageLayer = named(
  `${V1}.ImageLayer`,
  Type.Object(
    {
      name: Type.String({ description: 'Name of the layer as defined by the underlying store.' }),
      size: Type.Integer({ format: 'int64', description: 'Size of the layer in bytes as defined by the underlying store.' }),
      mediaType: Type.String({ description: 'MediaType of the referenced object.' }),
    },
    { description: 'ImageLayer represents a single layer of the image. Some images may have multiple layers. Some may have none.' },
  ),
);
export type ImageLayer = Static<typeof ImageLayer>;

export const ImageManifest = named(
  `${V1}.ImageManifest`,
  Type.Object(
    {
      digest: Type.String({ description: 'Digest is the unique identifier for the manifest. It refers to an Image object.' }),
      mediaType: Type.String({
        description:
          'MediaType defines the type of the manifest, possible values are application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json or application/vnd.docker.distribution.manifest.v1+json.',
      }),
      manifestSize: Type.Integer({ format: 'int64', description: 'ManifestSize represents the size of the raw object contents, in bytes.' }),
      architecture: Type.String({ description: 'Architecture specifies the supported CPU architecture, for example amd64 or ppc64le.' }),
      os: Type.String({ description: 'OS specifies the operating system, for example linux.' }),
      variant: opt(
        Type.String({
          description: 'Variant is an optional field repreenting a variant of the CPU, for example v6 to specify a particular CPU variant of the ARM CPU.',
        }),
      ),
    },
    { description: 'ImageManifest represents sub-manifests of a manifest list. The Digest field points to a regular Image object.' },
  ),
);
export type ImageManifest = Static<typeof ImageManifest>;

export const SignatureCondition = named(
  `${V1}.SignatureCondition`,
  Type.Object(
    {
      type: Type.String({ description: 'Type of signature condition, Complete or Failed.' }),
      status: Type.String({ description: 'Status of the condition, one of True, False, Unknown.' }),
      lastProbeTime: opt({ ...Time, description: 'Last time the condition was checked.' }),
      lastTransitionTime: opt({ ...Time, description: 'Last time the condition transit from one status to another.' }),
      reason: opt(Type.String({ description: '(brief) reason for the condition’s last transition.' })),
      message: opt(Type.String({ description: 'Human readable message indicating details about last transition.' })),
    },
    { description: 'SignatureCondition describes an image signature condition of particular kind at particular probe time.' },
  ),
);

export const SignatureIssuer = named(
  `${V1}.SignatureIssuer`,
  Type.Object(
    {
      organization: opt(Type.String({ description: 'Organization name.' })),
      commonName: opt(Type.String({ description: 'Common name (e.g. openshift-signing-service).' })),
    },
    { description: 'SignatureIssuer holds information about an issuer of signing certificate or key.' },
  ),
);

export const SignatureSubject = named(
  `${V1}.SignatureSubject`,
  Type.Object(
    {
      organization: opt(Type.String({ description: 'Organization name.' })),
      commonName: opt(Type.String({ description: 'Common name (e.g. openshift-signing-service).' })),
      publicKeyID: Type.String({
        description:
          'If present, it is a human readable key id of public key belonging to the subject used to verify image signature. It should contain at least 64 lowest bits of public key’s fingerprint (e.g. 0x685ebe62bf278440).',
      }),
    },
    { description: 'SignatureSubject holds information about a person or entity who created the signature.' },
  ),
);

export const ImageSignature = named(
  `${V1}.ImageSignature`,
  Type.Object(
    {
      ...objectHeader(METADATA_DESCRIPTION),
      type: Type.String({ description: 'Required: Describes a type of stored blob.' }),
      content: Type.String({ format: 'byte', description: 'Required: An opaque binary string which is an image’s signature.' }),
      conditions: opt(
        Type.Array(SignatureCondition, {
          description: 'Conditions represent the latest available observations of a signature’s current state.',
          'x-kubernetes-patch-strategy': 'merge',
          'x-kubernetes-patch-merge-key': 'type',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['type'],
        }),
      ),
      imageIdentity: opt(
        Type.String({
          description:
            'A human readable string representing image’s identity. It could be a product name and version, or an image pull spec (e.g. "registry.access.redhat.com/rhel7/rhel:7.2").',
        }),
      ),
      signedClaims: opt({ ...StringMap, description: 'Contains claims from the signature.' }),
      created: opt({ ...Time, description: 'If specified, it is the time of signature’s creation.' }),
      issuedBy: opt({
        ...SignatureIssuer,
        description:
          'If specified, it holds information about an issuer of signing certificate or key (a person or entity who signed the signing certificate or key).',
      }),
      issuedTo: opt({
        ...SignatureSubject,
        description: 'If specified, it holds information about a subject of signing certificate or key (a person or entity who signed the image).',
      }),
    },
    {
      description:
        'ImageSignature holds a signature of an image. It allows to verify image identity and possibly other claims as long as the signature is trusted. Based on this information it is possible to restrict runnable images to those matching cluster-wide policy. Mandatory fields should be parsed by clients doing image verification. The others are parsed from signature’s content by the server. They serve just an informative purpose.',
    },
  ),
);
export type ImageSignature = Static<typeof ImageSignature> & KubeObject;

export const Image = named(
  `${V1}.Image`,
  Type.Object(
    {
      ...objectHeader(METADATA_DESCRIPTION),
      dockerImageReference: opt(Type.String({ description: 'DockerImageReference is the string that can be used to pull this image.' })),
      dockerImageMetadata: opt(
        Type.Unknown({ description: 'DockerImageMetadata contains metadata about this image', 'x-kubernetes-preserve-unknown-fields': true }),
      ),
      dockerImageMetadataVersion: opt(
        Type.String({ description: 'DockerImageMetadataVersion conveys the version of the object, which if empty defaults to "1.0"' }),
      ),
      dockerImageManifest: opt(Type.String({ description: 'DockerImageManifest is the raw JSON of the manifest' })),
      dockerImageLayers: opt(
        Type.Union([Type.Array(ImageLayer, { 'x-kubernetes-list-type': 'atomic' }), Type.Null()], {
          description:
            'DockerImageLayers represents the layers in the image. May not be set if the image does not define that data or if the image represents a manifest list.',
        }),
      ),
      signatures: opt(
        Type.Array(ImageSignature, {
          description: 'Signatures holds all signatures of the image.',
          'x-kubernetes-patch-strategy': 'merge',
          'x-kubernetes-patch-merge-key': 'name',
        }),
      ),
      dockerImageSignatures: opt(
        Type.Array(Type.String({ format: 'byte' }), {
          description: 'DockerImageSignatures provides the signatures as opaque blobs. This is a part of manifest schema v1.',
          'x-kubernetes-list-type': 'atomic',
        }),
      ),
      dockerImageManifestMediaType: opt(
        Type.String({ description: 'DockerImageManifestMediaType specifies the mediaType of manifest. This is a part of manifest schema v2.' }),
      ),
      dockerImageConfig: opt(
        Type.String({
          description:
            'DockerImageConfig is a JSON blob that the runtime uses to set up the container. This is a part of manifest schema v2. Will not be set when the image represents a manifest list.',
        }),
      ),
      dockerImageManifests: opt(
        Type.Array(ImageManifest, {
          description:
            'DockerImageManifests holds information about sub-manifests when the image represents a manifest list. When this field is present, no DockerImageLayers should be specified.',
          'x-kubernetes-list-type': 'atomic',
        }),
      ),
    },
    {
      description:
        'Image is an immutable representation of a container image and metadata at a point in time. Images are named by taking a hash of their contents (metadata and content) and any change in format, content, or metadata results in a new name. The images resource is primarily for use by cluster administrators and integrations like the cluster image registry - end users instead access images via the imagestreamtags or imagestreamimages resources. While image metadata is stored in the API, any integration that implements the container image registry API must provide its own storage for the raw manifest data, image config, and layer contents.',
    },
  ),
);
export type Image = Static<typeof Image> & KubeObject;
