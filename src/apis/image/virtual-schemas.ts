/**
 * Schemas of the image.openshift.io/v1 kinds that are views over ImageStream and Image rather than
 * stored objects: ImageStreamTag, ImageTag, ImageStreamImage, ImageStreamMapping,
 * ImageStreamLayers and the image SecretList.
 */
import { Type, type Static } from '@sinclair/typebox';
import { named, objectHeader, type KubeObject, ListMeta } from '../../api/meta.js';
import { Secret } from '../core/secret.js';
import {
  IMAGE_SIGNATURE_FIELDS,
  IMAGE_STREAM_IMAGE_FIELDS,
  IMAGE_STREAM_LAYERS_FIELDS,
  IMAGE_STREAM_MAPPING_FIELDS,
  IMAGE_STREAM_IMPORT_FIELDS,
  IMAGE_STREAM_TAG_FIELDS,
  IMAGE_TAG_FIELDS,
  SECRET_LIST_FIELDS,
} from './descriptions.js';
import {
  Image,
  ImageLookupPolicy,
  ImageSignature,
  ImageStream,
  NamedTagEventList,
  ObjectReference,
  TagEventCondition,
  TagImportPolicy,
  TagReference,
  TagReferencePolicy,
} from './schema.js';

const V1 = 'com.github.openshift.api.image.v1';
const d = (fields: Readonly<Record<string, string>>, path: string) => ({ description: fields[path] ?? '' });

export const ImageStreamTag = named(
  `${V1}.ImageStreamTag`,
  Type.Object(
    {
      ...objectHeader(),
      tag: Type.Optional(Type.Union([TagReference, Type.Null()], d(IMAGE_STREAM_TAG_FIELDS, 'tag'))),
      generation: Type.Optional(Type.Integer({ format: 'int64', ...d(IMAGE_STREAM_TAG_FIELDS, 'generation') })),
      lookupPolicy: Type.Optional({ ...ImageLookupPolicy, ...d(IMAGE_STREAM_TAG_FIELDS, 'lookupPolicy') }),
      conditions: Type.Optional(
        Type.Array(TagEventCondition, { ...d(IMAGE_STREAM_TAG_FIELDS, 'conditions'), 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'type' }),
      ),
      image: Type.Optional({ ...Image, ...d(IMAGE_STREAM_TAG_FIELDS, 'image') }),
    },
    d(IMAGE_STREAM_TAG_FIELDS, ''),
  ),
);
export type ImageStreamTag = Static<typeof ImageStreamTag> & KubeObject;

export const ImageTag = named(
  `${V1}.ImageTag`,
  Type.Object(
    {
      ...objectHeader(),
      spec: Type.Optional(Type.Union([TagReference, Type.Null()], d(IMAGE_TAG_FIELDS, 'spec'))),
      status: Type.Optional(Type.Union([NamedTagEventList, Type.Null()], d(IMAGE_TAG_FIELDS, 'status'))),
      image: Type.Optional(Type.Union([Image, Type.Null()], d(IMAGE_TAG_FIELDS, 'image'))),
    },
    d(IMAGE_TAG_FIELDS, ''),
  ),
);
export type ImageTag = Static<typeof ImageTag> & KubeObject;

export const ImageStreamImage = named(
  `${V1}.ImageStreamImage`,
  Type.Object({ ...objectHeader(), image: Type.Optional({ ...Image, ...d(IMAGE_STREAM_IMAGE_FIELDS, 'image') }) }, d(IMAGE_STREAM_IMAGE_FIELDS, '')),
);
export type ImageStreamImage = Static<typeof ImageStreamImage> & KubeObject;

export const ImageStreamMapping = named(
  `${V1}.ImageStreamMapping`,
  Type.Object(
    {
      ...objectHeader(),
      image: Type.Optional({ ...Image, ...d(IMAGE_STREAM_MAPPING_FIELDS, 'image') }),
      tag: Type.Optional(Type.String(d(IMAGE_STREAM_MAPPING_FIELDS, 'tag'))),
    },
    d(IMAGE_STREAM_MAPPING_FIELDS, ''),
  ),
);
export type ImageStreamMapping = Static<typeof ImageStreamMapping> & KubeObject;

export const ImageLayerData = named(
  `${V1}.ImageLayerData`,
  Type.Object(
    {
      size: Type.Union([Type.Integer({ format: 'int64' }), Type.Null()], d(IMAGE_STREAM_LAYERS_FIELDS, 'blobs{}.size')),
      mediaType: Type.String(d(IMAGE_STREAM_LAYERS_FIELDS, 'blobs{}.mediaType')),
    },
    d(IMAGE_STREAM_LAYERS_FIELDS, 'blobs{}'),
  ),
);

export const ImageBlobReferences = named(
  `${V1}.ImageBlobReferences`,
  Type.Object(
    {
      imageMissing: Type.Boolean(d(IMAGE_STREAM_LAYERS_FIELDS, 'images{}.imageMissing')),
      layers: Type.Union([Type.Array(Type.String()), Type.Null()], d(IMAGE_STREAM_LAYERS_FIELDS, 'images{}.layers')),
      config: Type.Union([Type.String(), Type.Null()], d(IMAGE_STREAM_LAYERS_FIELDS, 'images{}.config')),
      manifests: Type.Optional(Type.Array(Type.String(), d(IMAGE_STREAM_LAYERS_FIELDS, 'images{}.manifests'))),
    },
    d(IMAGE_STREAM_LAYERS_FIELDS, 'images{}'),
  ),
);

export const ImageStreamLayers = named(
  `${V1}.ImageStreamLayers`,
  Type.Object(
    {
      ...objectHeader(),
      blobs: Type.Record(Type.String(), ImageLayerData, d(IMAGE_STREAM_LAYERS_FIELDS, 'blobs')),
      images: Type.Record(Type.String(), ImageBlobReferences, d(IMAGE_STREAM_LAYERS_FIELDS, 'images')),
    },
    d(IMAGE_STREAM_LAYERS_FIELDS, ''),
  ),
);
export type ImageStreamLayers = Static<typeof ImageStreamLayers> & KubeObject;

export const ImageSecretList = named(
  `${V1}.SecretList`,
  Type.Object(
    {
      apiVersion: Type.Optional(Type.String(d(SECRET_LIST_FIELDS, 'apiVersion'))),
      kind: Type.Optional(Type.String(d(SECRET_LIST_FIELDS, 'kind'))),
      metadata: Type.Optional(ListMeta),
      items: Type.Array(Secret, d(SECRET_LIST_FIELDS, 'items')),
    },
    d(SECRET_LIST_FIELDS, ''),
  ),
);

/** The top-level ImageSignature kind (create/delete only); the same shape as an image's signatures. */
export const ImageSignatureKind = { ...ImageSignature, description: IMAGE_SIGNATURE_FIELDS[''] ?? ImageSignature.description };

// ImageStreamImport ---------------------------------------------------------------------------

const isi = (p: string) => d(IMAGE_STREAM_IMPORT_FIELDS, p);
const NestedStatus = Type.Unknown({ description: 'Status is a return value for calls that do not return other objects: Success, or the reason the import failed.' });

export const ImageImportSpec = named(
  `${V1}.ImageImportSpec`,
  Type.Object(
    {
      from: { ...ObjectReference, ...isi('.spec.images[].from') },
      to: Type.Optional(Type.Union([Type.Object({ name: Type.Optional(Type.String({ description: 'Name of the tag.' })) }), Type.Null()], isi('.spec.images[].to'))),
      importPolicy: Type.Optional({ ...TagImportPolicy, ...isi('.spec.images[].importPolicy') }),
      referencePolicy: Type.Optional({ ...TagReferencePolicy, ...isi('.spec.images[].referencePolicy') }),
      includeManifest: Type.Optional(Type.Boolean(isi('.spec.images[].includeManifest'))),
    },
    isi('.spec.images[]'),
  ),
);

export const RepositoryImportSpec = named(
  `${V1}.RepositoryImportSpec`,
  Type.Object(
    {
      from: { ...ObjectReference, ...isi('.spec.repository.from') },
      importPolicy: Type.Optional({ ...TagImportPolicy, ...isi('.spec.repository.importPolicy') }),
      referencePolicy: Type.Optional({ ...TagReferencePolicy, ...isi('.spec.repository.referencePolicy') }),
      includeManifest: Type.Optional(Type.Boolean(isi('.spec.repository.includeManifest'))),
    },
    isi('.spec.repository'),
  ),
);

export const ImageImportStatus = named(
  `${V1}.ImageImportStatus`,
  Type.Object(
    {
      status: NestedStatus,
      image: Type.Optional(Type.Union([Image, Type.Null()], { description: 'Image is the metadata of that image, if the image was located' })),
      tag: Type.Optional(Type.String({ description: 'Tag is the tag this image was located under, if any' })),
      manifests: Type.Optional(Type.Array(Image, { description: 'Manifests holds sub-manifests metadata when importing a manifest list' })),
    },
    isi('.status.images[]'),
  ),
);

export const ImageStreamImport = named(
  `${V1}.ImageStreamImport`,
  Type.Object(
    {
      ...objectHeader(),
      spec: Type.Object(
        {
          import: Type.Boolean(isi('.spec.import')),
          repository: Type.Optional(Type.Union([RepositoryImportSpec, Type.Null()], isi('.spec.repository'))),
          images: Type.Optional(Type.Union([Type.Array(ImageImportSpec, { 'x-kubernetes-list-type': 'atomic' }), Type.Null()], isi('.spec.images'))),
        },
        isi('spec'),
      ),
      status: Type.Optional(
        Type.Object(
          {
            import: Type.Optional(Type.Union([ImageStream, Type.Null()], { description: 'Import is the image stream that was successfully updated or created when \'to\' was set.' })),
            repository: Type.Optional(
              Type.Union(
                [
                  Type.Object({
                    status: NestedStatus,
                    images: Type.Optional(Type.Array(ImageImportStatus)),
                    additionalTags: Type.Optional(Type.Array(Type.String(), { description: 'AdditionalTags are tags that exist in the repository but were not imported because a maximum limit of automatic imports was applied.' })),
                  }),
                  Type.Null(),
                ],
                { description: 'Repository is set if spec.repository was set to the outcome of the import' },
              ),
            ),
            images: Type.Optional(Type.Array(ImageImportStatus, { description: 'Images is set with the result of importing spec.images' })),
          },
          isi('status'),
        ),
      ),
    },
    d(IMAGE_STREAM_IMPORT_FIELDS, ''),
  ),
);
export type ImageStreamImport = Static<typeof ImageStreamImport> & KubeObject;
export type ImageImportStatus = Static<typeof ImageImportStatus>;
