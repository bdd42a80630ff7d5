/**
 * Schemas of image.openshift.io/v1 Image and ImageStream with their sub-types, as the API reference
 * defines them: one declaration for validation, OpenAPI (`kubectl explain`), patch strategies and
 * the TypeScript types. Patch merge keys follow openshift/api: spec.tags by `name`, status.tags by
 * `tag`, signatures by `name`, signature conditions by `type`.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { named, objectHeader, StringMap, Time, type KubeObject } from '../../api/meta.js';
import { IMAGE_FIELDS, IMAGE_STREAM_FIELDS } from './descriptions.js';

const V1 = 'com.github.openshift.api.image.v1';

function doc(fields: Readonly<Record<string, string>>, path: string): { description: string } {
  return { description: fields[path] ?? '' };
}
const im = (p: string) => doc(IMAGE_FIELDS, p);
const is = (p: string) => doc(IMAGE_STREAM_FIELDS, p);
const opt = <T extends TSchema>(s: T) => Type.Optional(s);
const nullableInt = (o: { description: string }) => Type.Union([Type.Integer({ format: 'int64' }), Type.Null()], o);

export const ObjectReference = named(
  'io.k8s.api.core.v1.ObjectReference',
  Type.Object(
    {
      kind: opt(Type.String({ description: 'Kind of the referent.' })),
      namespace: opt(Type.String({ description: 'Namespace of the referent.' })),
      name: opt(Type.String({ description: 'Name of the referent.' })),
      uid: opt(Type.String({ description: 'UID of the referent.' })),
      apiVersion: opt(Type.String({ description: 'API version of the referent.' })),
      resourceVersion: opt(Type.String({ description: 'Specific resourceVersion to which this reference is made, if any.' })),
      fieldPath: opt(Type.String({ description: 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.' })),
    },
    { description: 'ObjectReference contains enough information to let you inspect or modify the referred object.', 'x-kubernetes-map-type': 'atomic' },
  ),
);
export type ObjectReference = Static<typeof ObjectReference>;

export const TagImportPolicy = named(
  `${V1}.TagImportPolicy`,
  Type.Object(
    {
      insecure: opt(Type.Boolean(is('spec.tags[].importPolicy.insecure'))),
      scheduled: opt(Type.Boolean(is('spec.tags[].importPolicy.scheduled'))),
      importMode: opt(Type.String(is('spec.tags[].importPolicy.importMode'))),
    },
    is('spec.tags[].importPolicy'),
  ),
);

export const TagReferencePolicy = named(
  `${V1}.TagReferencePolicy`,
  Type.Object({ type: Type.String(is('spec.tags[].referencePolicy.type')) }, is('spec.tags[].referencePolicy')),
);

export const TagReference = named(
  `${V1}.TagReference`,
  Type.Object(
    {
      name: Type.String(is('spec.tags[].name')),
      annotations: opt(Type.Union([StringMap, Type.Null()], is('spec.tags[].annotations'))),
      from: opt({ ...ObjectReference, ...is('spec.tags[].from') }),
      reference: opt(Type.Boolean(is('spec.tags[].reference'))),
      generation: opt(nullableInt(is('spec.tags[].generation'))),
      importPolicy: opt(TagImportPolicy),
      referencePolicy: opt(TagReferencePolicy),
    },
    is('spec.tags[]'),
  ),
);
export type TagReference = Static<typeof TagReference>;

export const ImageLookupPolicy = named(
  `${V1}.ImageLookupPolicy`,
  Type.Object({ local: Type.Boolean(is('spec.lookupPolicy.local')) }, is('spec.lookupPolicy')),
);

export const ImageStreamSpec = named(
  `${V1}.ImageStreamSpec`,
  Type.Object(
    {
      lookupPolicy: opt(ImageLookupPolicy),
      dockerImageRepository: opt(Type.String(is('spec.dockerImageRepository'))),
      tags: opt(
        Type.Array(TagReference, {
          ...is('spec.tags'),
          'x-kubernetes-patch-strategy': 'merge',
          'x-kubernetes-patch-merge-key': 'name',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
        }),
      ),
    },
    is('spec'),
  ),
);

export const TagEvent = named(
  `${V1}.TagEvent`,
  Type.Object(
    {
      created: Type.Union([{ ...Time }, Type.Null()], is('status.tags[].items[].created')),
      dockerImageReference: Type.String(is('status.tags[].items[].dockerImageReference')),
      image: Type.String(is('status.tags[].items[].image')),
      generation: Type.Integer({ format: 'int64', ...is('status.tags[].items[].generation') }),
    },
    is('status.tags[].items[]'),
  ),
);
export type TagEvent = Static<typeof TagEvent>;

export const TagEventCondition = named(
  `${V1}.TagEventCondition`,
  Type.Object(
    {
      type: Type.String(is('status.tags[].conditions[].type')),
      status: Type.String(is('status.tags[].conditions[].status')),
      lastTransitionTime: opt({ ...Time, ...is('status.tags[].conditions[].lastTransitionTime') }),
      reason: opt(Type.String(is('status.tags[].conditions[].reason'))),
      message: opt(Type.String(is('status.tags[].conditions[].message'))),
      generation: Type.Integer({ format: 'int64', ...is('status.tags[].conditions[].generation') }),
    },
    is('status.tags[].conditions[]'),
  ),
);
export type TagEventCondition = Static<typeof TagEventCondition>;

export const NamedTagEventList = named(
  `${V1}.NamedTagEventList`,
  Type.Object(
    {
      tag: Type.String(is('status.tags[].tag')),
      items: Type.Union([Type.Array(TagEvent, { 'x-kubernetes-list-type': 'atomic' }), Type.Null()], is('status.tags[].items')),
      conditions: opt(Type.Array(TagEventCondition, { ...is('status.tags[].conditions'), 'x-kubernetes-list-type': 'atomic' })),
    },
    is('status.tags[]'),
  ),
);
export type NamedTagEventList = Static<typeof NamedTagEventList>;

export const ImageStreamStatus = named(
  `${V1}.ImageStreamStatus`,
  Type.Object(
    {
      dockerImageRepository: Type.String(is('status.dockerImageRepository')),
      publicDockerImageRepository: opt(Type.String(is('status.publicDockerImageRepository'))),
      tags: opt(
        Type.Array(NamedTagEventList, {
          ...is('status.tags'),
          'x-kubernetes-patch-strategy': 'merge',
          'x-kubernetes-patch-merge-key': 'tag',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['tag'],
        }),
      ),
    },
    is('status'),
  ),
);

export const ImageStream = named(
  `${V1}.ImageStream`,
  Type.Object(
    {
      ...objectHeader(),
      spec: opt(ImageStreamSpec),
      status: opt(ImageStreamStatus),
    },
    { description: 'An ImageStream stores a mapping of tags to images, metadata overrides that are applied when images are tagged in a stream, and an optional reference to a container image repository on a registry. Users typically update the spec.tags field to point to external images which are imported from container registries using credentials in your namespace with the pull secret type, or to existing image stream tags and images which are immediately accessible for tagging or pulling. The history of images applied to a tag is visible in the status.tags field and any user who can view an image stream is allowed to tag that image into their own image streams. Access to pull images from the integrated registry is granted by having the "get imagestreams/layers" permission on a given image stream. Users may remove a tag by deleting the imagestreamtag resource, which causes both spec and status for that tag to be removed. Image stream history is retained until an administrator runs the prune operation, which removes references that are no longer in use. To preserve a historical image, ensure there is a tag in spec pointing to that image by its digest.' },
  ),
);
export type ImageStream = Static<typeof ImageStream> & KubeObject;

// Image -------------------------------------------------------------------------------------

export const ImageLayer = named(
  `${V1}.ImageLayer`,
  Type.Object(
    {
      name: Type.String(im('dockerImageLayers[].name')),
      size: Type.Integer({ format: 'int64', ...im('dockerImageLayers[].size') }),
      mediaType: Type.String(im('dockerImageLayers[].mediaType')),
    },
    im('dockerImageLayers[]'),
  ),
);
export type ImageLayer = Static<typeof ImageLayer>;

export const ImageManifest = named(
  `${V1}.ImageManifest`,
  Type.Object(
    {
      digest: Type.String(im('dockerImageManifests[].digest')),
      mediaType: Type.String(im('dockerImageManifests[].mediaType')),
      manifestSize: Type.Integer({ format: 'int64', ...im('dockerImageManifests[].manifestSize') }),
      architecture: Type.String(im('dockerImageManifests[].architecture')),
      os: Type.String(im('dockerImageManifests[].os')),
      variant: opt(Type.String(im('dockerImageManifests[].variant'))),
    },
    im('dockerImageManifests[]'),
  ),
);
export type ImageManifest = Static<typeof ImageManifest>;

export const SignatureCondition = named(
  `${V1}.SignatureCondition`,
  Type.Object(
    {
      type: Type.String(im('signatures[].conditions[].type')),
      status: Type.String(im('signatures[].conditions[].status')),
      lastProbeTime: opt({ ...Time, ...im('signatures[].conditions[].lastProbeTime') }),
      lastTransitionTime: opt({ ...Time, ...im('signatures[].conditions[].lastTransitionTime') }),
      reason: opt(Type.String(im('signatures[].conditions[].reason'))),
      message: opt(Type.String(im('signatures[].conditions[].message'))),
    },
    im('signatures[].conditions[]'),
  ),
);

export const SignatureIssuer = named(
  `${V1}.SignatureIssuer`,
  Type.Object(
    {
      organization: opt(Type.String(im('signatures[].issuedBy.organization'))),
      commonName: opt(Type.String(im('signatures[].issuedBy.commonName'))),
    },
    im('signatures[].issuedBy'),
  ),
);

export const SignatureSubject = named(
  `${V1}.SignatureSubject`,
  Type.Object(
    {
      organization: opt(Type.String(im('signatures[].issuedTo.organization'))),
      commonName: opt(Type.String(im('signatures[].issuedTo.commonName'))),
      publicKeyID: Type.String(im('signatures[].issuedTo.publicKeyID')),
    },
    im('signatures[].issuedTo'),
  ),
);

export const ImageSignature = named(
  `${V1}.ImageSignature`,
  Type.Object(
    {
      ...objectHeader(),
      type: Type.String(im('signatures[].type')),
      content: Type.String({ format: 'byte', ...im('signatures[].content') }),
      conditions: opt(
        Type.Array(SignatureCondition, {
          ...im('signatures[].conditions'),
          'x-kubernetes-patch-strategy': 'merge',
          'x-kubernetes-patch-merge-key': 'type',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['type'],
        }),
      ),
      imageIdentity: opt(Type.String(im('signatures[].imageIdentity'))),
      signedClaims: opt({ ...StringMap, ...im('signatures[].signedClaims') }),
      created: opt({ ...Time, ...im('signatures[].created') }),
      issuedBy: opt(SignatureIssuer),
      issuedTo: opt(SignatureSubject),
    },
    im('signatures[]'),
  ),
);
export type ImageSignature = Static<typeof ImageSignature> & KubeObject;

export const Image = named(
  `${V1}.Image`,
  Type.Object(
    {
      ...objectHeader(),
      dockerImageReference: opt(Type.String(im('dockerImageReference'))),
      dockerImageMetadata: opt(Type.Unknown({ ...im('dockerImageMetadata'), 'x-kubernetes-preserve-unknown-fields': true })),
      dockerImageMetadataVersion: opt(Type.String(im('dockerImageMetadataVersion'))),
      dockerImageManifest: opt(Type.String(im('dockerImageManifest'))),
      dockerImageLayers: opt(Type.Union([Type.Array(ImageLayer, { 'x-kubernetes-list-type': 'atomic' }), Type.Null()], im('dockerImageLayers'))),
      signatures: opt(
        Type.Array(ImageSignature, {
          ...im('signatures'),
          'x-kubernetes-patch-strategy': 'merge',
          'x-kubernetes-patch-merge-key': 'name',
        }),
      ),
      dockerImageSignatures: opt(Type.Array(Type.String({ format: 'byte' }), { ...im('dockerImageSignatures'), 'x-kubernetes-list-type': 'atomic' })),
      dockerImageManifestMediaType: opt(Type.String(im('dockerImageManifestMediaType'))),
      dockerImageConfig: opt(Type.String(im('dockerImageConfig'))),
      dockerImageManifests: opt(Type.Array(ImageManifest, { ...im('dockerImageManifests'), 'x-kubernetes-list-type': 'atomic' })),
    },
    {
      description:
        'Image is an immutable representation of a container image and metadata at a point in time. Images are named by taking a hash of their contents (metadata and content) and any change in format, content, or metadata results in a new name. The images resource is primarily for use by cluster administrators and integrations like the cluster image registry - end users instead access images via the imagestreamtags or imagestreamimages resources. While image metadata is stored in the API, any integration that implements the container image registry API must provide its own storage for the raw manifest data, image config, and layer contents.',
    },
  ),
);
export type Image = Static<typeof Image> & KubeObject;
