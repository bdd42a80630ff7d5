/**
 * Schemas of the image.openshift.io/v1 kinds that are views over ImageStream and Image rather than
 * stored objects: ImageStreamTag, ImageTag, ImageStreamImage, ImageStreamMapping,
 * ImageStreamLayers and the image SecretList.
 */
import { Type, type Static } from '@sinclair/typebox';
import { API_VERSION_DESCRIPTION, KIND_DESCRIPTION, LIST_METADATA_DESCRIPTION, named, objectHeader, type KubeObject, ListMeta } from '../../api/meta.js';
import { Secret } from '../core/secret.js';
import {
  Image,
  ImageLookupPolicy,
  ImageSignature,
  ImageStream,
  METADATA_DESCRIPTION,
  NamedTagEventList,
  ObjectReference,
  TagEventCondition,
  TagImportPolicy,
  TagReference,
  TagReferencePolicy,
} from './schema.js';

const V1 = 'com.github.openshift.api.image.v1';

export const ImageStreamTag = named(
  `${V1}.ImageStreamTag`,
  Type.Object(
    {
      ...objectHeader(METADATA_DESCRIPTION),
      tag: Type.Optional(
        Type.Union([TagReference, Type.Null()], {
          description: 'tag is the spec tag associated with this image stream tag, and it may be null if only pushes have occurred to this image stream.',
        }),
      ),
      generation: Type.Optional(
        Type.Integer({
          format: 'int64',
          description:
            'generation is the current generation of the tagged image - if tag is provided and this value is not equal to the tag generation, a user has requested an import that has not completed, or conditions will be filled out indicating any error.',
        }),
      ),
      lookupPolicy: Type.Optional({
        ...ImageLookupPolicy,
        description: 'lookupPolicy indicates whether this tag will handle image references in this namespace.',
      }),
      conditions: Type.Optional(
        Type.Array(TagEventCondition, {
          description: 'conditions is an array of conditions that apply to the image stream tag.',
          'x-kubernetes-patch-strategy': 'merge',
          'x-kubernetes-patch-merge-key': 'type',
        }),
      ),
      image: Type.Optional({ ...Image, description: 'image associated with the ImageStream and tag.' }),
    },
    {
      description:
        'ImageStreamTag represents an Image that is retrieved by tag name from an ImageStream. Use this resource to interact with the tags and images in an image stream by tag, or to see the image details for a particular tag. The image associated with this resource is the most recently successfully tagged, imported, or pushed image (as described in the image stream status.tags.items list for this tag). If an import is in progress or has failed the previous image will be shown. Deleting an image stream tag clears both the status and spec fields of an image stream. If no image can be retrieved for a given tag, a not found error will be returned.',
    },
  ),
);
export type ImageStreamTag = Static<typeof ImageStreamTag> & KubeObject;

export const ImageTag = named(
  `${V1}.ImageTag`,
  Type.Object(
    {
      ...objectHeader(METADATA_DESCRIPTION),
      spec: Type.Optional(
        Type.Union([TagReference, Type.Null()], {
          description: 'spec is the spec tag associated with this image stream tag, and it may be null if only pushes have occurred to this image stream.',
        }),
      ),
      status: Type.Optional(
        Type.Union([NamedTagEventList, Type.Null()], {
          description: 'status is the status tag details associated with this image stream tag, and it may be null if no push or import has been performed.',
        }),
      ),
      image: Type.Optional(
        Type.Union([Image, Type.Null()], {
          description:
            'image is the details of the most recent image stream status tag, and it may be null if import has not completed or an administrator has deleted the image object. To verify this is the most recent image, you must verify the generation of the most recent status.items entry matches the spec tag (if a spec tag is set). This field will not be set when listing image tags.',
        }),
      ),
    },
    {
      description:
        'ImageTag represents a single tag within an image stream and includes the spec, the status history, and the currently referenced image (if any) of the provided tag. This type replaces the ImageStreamTag by providing a full view of the tag. ImageTags are returned for every spec or status tag present on the image stream. If no tag exists in either form a not found error will be returned by the API. A create operation will succeed if no spec tag has already been defined and the spec field is set. Delete will remove both spec and status elements from the image stream.',
    },
  ),
);
export type ImageTag = Static<typeof ImageTag> & KubeObject;

export const ImageStreamImage = named(
  `${V1}.ImageStreamImage`,
  Type.Object(
    { ...objectHeader(METADATA_DESCRIPTION), image: Type.Optional({ ...Image, description: 'Image associated with the ImageStream and image name.' }) },
    {
      description:
        'ImageStreamImage represents an Image that is retrieved by image name from an ImageStream. User interfaces and regular users can use this resource to access the metadata details of a tagged image in the image stream history for viewing, since Image resources are not directly accessible to end users. A not found error will be returned if no such image is referenced by a tag within the ImageStream. Images are created when spec tags are set on an image stream that represent an image in an external registry, when pushing to the integrated registry, or when tagging an existing image from one image stream to another. The name of an image stream image is in the form "<STREAM>@<DIGEST>", where the digest is the content addressible identifier for the image (sha256:xxxxx…). You can use ImageStreamImages as the from.kind of an image stream spec tag to reference an image exactly. The only operations supported on the imagestreamimage endpoint are retrieving the image.',
    },
  ),
);
export type ImageStreamImage = Static<typeof ImageStreamImage> & KubeObject;

export const ImageStreamMapping = named(
  `${V1}.ImageStreamMapping`,
  Type.Object(
    {
      ...objectHeader(METADATA_DESCRIPTION),
      image: Type.Optional({ ...Image, description: 'Image is a container image.' }),
      tag: Type.Optional(Type.String({ description: 'Tag is a string value this image can be located with inside the stream.' })),
    },
    {
      description:
        'ImageStreamMapping represents a mapping from a single image stream tag to a container image as well as the reference to the container image stream the image came from. This resource is used by privileged integrators to create an image resource and to associate it with an image stream in the status tags field. Creating an ImageStreamMapping will allow any user who can view the image stream to tag or pull that image, so only create mappings where the user has proven they have access to the image contents directly. The only operation supported for this resource is create and the metadata name and namespace should be set to the image stream containing the tag that should be updated.',
    },
  ),
);
export type ImageStreamMapping = Static<typeof ImageStreamMapping> & KubeObject;

export const ImageLayerData = named(
  `${V1}.ImageLayerData`,
  Type.Object(
    {
      size: Type.Union([Type.Integer({ format: 'int64' }), Type.Null()], {
        description:
          'Size of the layer in bytes as defined by the underlying store. This field is optional if the necessary information about size is not available.',
      }),
      mediaType: Type.String({ description: 'MediaType of the referenced object.' }),
    },
    { description: 'ImageLayerData contains metadata about an image layer.' },
  ),
);

export const ImageBlobReferences = named(
  `${V1}.ImageBlobReferences`,
  Type.Object(
    {
      imageMissing: Type.Boolean({
        description:
          'imageMissing is true if the image is referenced by the image stream but the image object has been deleted from the API by an administrator. When this field is set, layers and config fields may be empty and callers that depend on the image metadata should consider the image to be unavailable for download or viewing.',
      }),
      layers: Type.Union([Type.Array(Type.String()), Type.Null()], {
        description:
          'layers is the list of blobs that compose this image, from base layer to top layer. All layers referenced by this array will be defined in the blobs map. Some images may have zero layers.',
      }),
      config: Type.Union([Type.String(), Type.Null()], {
        description:
          'config, if set, is the blob that contains the image config. Some images do not have separate config blobs and this field will be set to nil if so.',
      }),
      manifests: Type.Optional(
        Type.Array(Type.String(), {
          description:
            'manifests is the list of other image names that this image points to. For a single architecture image, it is empty. For a multi-arch image, it consists of the digests of single architecture images, such images shouldn’t have layers nor config.',
        }),
      ),
    },
    { description: 'ImageBlobReferences describes the blob references within an image.' },
  ),
);

export const ImageStreamLayers = named(
  `${V1}.ImageStreamLayers`,
  Type.Object(
    {
      ...objectHeader(METADATA_DESCRIPTION),
      blobs: Type.Record(Type.String(), ImageLayerData, { description: 'blobs is a map of blob name to metadata about the blob.' }),
      images: Type.Record(Type.String(), ImageBlobReferences, {
        description: 'images is a map between an image name and the names of the blobs and config that comprise the image.',
      }),
    },
    { description: 'ImageStreamLayers describes information about the layers referenced by images in this image stream.' },
  ),
);
export type ImageStreamLayers = Static<typeof ImageStreamLayers> & KubeObject;

export const ImageSecretList = named(
  `${V1}.SecretList`,
  Type.Object(
    {
      apiVersion: Type.Optional(Type.String({ description: API_VERSION_DESCRIPTION })),
      kind: Type.Optional(Type.String({ description: KIND_DESCRIPTION })),
      metadata: Type.Optional({ ...ListMeta, description: LIST_METADATA_DESCRIPTION }),
      items: Type.Array(Secret, { description: 'Items is a list of secret objects. More info: https://kubernetes.io/docs/concepts/configuration/secret' }),
    },
    { description: 'SecretList is a list of Secret.' },
  ),
);

/** The top-level ImageSignature kind (create/delete only); the same shape as an image's signatures. */
export const ImageSignatureKind = ImageSignature;

// ImageStreamImport ---------------------------------------------------------------------------

/** A Status (Success, or the reason the import failed) nested in an import's answer. */
const nestedStatus = (description: string) => Type.Unknown({ description });

export const ImageImportSpec = named(
  `${V1}.ImageImportSpec`,
  Type.Object(
    {
      from: { ...ObjectReference, description: 'From is the source of an image to import; only kind DockerImage is allowed' },
      to: Type.Optional(
        Type.Union([Type.Object({ name: Type.Optional(Type.String({ description: 'Name of the tag.' })) }), Type.Null()], {
          description:
            'To is a tag in the current image stream to assign the imported image to, if name is not specified the default tag from from.name will be used',
        }),
      ),
      importPolicy: Type.Optional({ ...TagImportPolicy, description: 'ImportPolicy is the policy controlling how the image is imported' }),
      referencePolicy: Type.Optional({ ...TagReferencePolicy, description: 'ReferencePolicy defines how other components should consume the image' }),
      includeManifest: Type.Optional(Type.Boolean({ description: 'IncludeManifest determines if the manifest for each image is returned in the response' })),
    },
    { description: 'ImageImportSpec describes a request to import a specific image.' },
  ),
);

export const RepositoryImportSpec = named(
  `${V1}.RepositoryImportSpec`,
  Type.Object(
    {
      from: {
        ...ObjectReference,
        description: 'From is the source for the image repository to import; only kind DockerImage and a name of a container image repository is allowed',
      },
      importPolicy: Type.Optional({ ...TagImportPolicy, description: 'ImportPolicy is the policy controlling how the image is imported' }),
      referencePolicy: Type.Optional({ ...TagReferencePolicy, description: 'ReferencePolicy defines how other components should consume the image' }),
      includeManifest: Type.Optional(Type.Boolean({ description: 'IncludeManifest determines if the manifest for each image is returned in the response' })),
    },
    { description: 'RepositoryImportSpec describes a request to import images from a container image repository.' },
  ),
);

export const ImageImportStatus = named(
  `${V1}.ImageImportStatus`,
  Type.Object(
    {
      status: nestedStatus('Status is the status of the image import, including errors encountered while retrieving the image'),
      image: Type.Optional(Type.Union([Image, Type.Null()], { description: 'Image is the metadata of that image, if the image was located' })),
      tag: Type.Optional(Type.String({ description: 'Tag is the tag this image was located under, if any' })),
      manifests: Type.Optional(Type.Array(Image, { description: 'Manifests holds sub-manifests metadata when importing a manifest list' })),
    },
    { description: 'ImageImportStatus describes the result of an image import.' },
  ),
);

export const ImageStreamImport = named(
  `${V1}.ImageStreamImport`,
  Type.Object(
    {
      ...objectHeader(METADATA_DESCRIPTION),
      spec: Type.Object(
        {
          import: Type.Boolean({
            description:
              'Import indicates whether to perform an import - if so, the specified tags are set on the spec and status of the image stream defined by the type meta.',
          }),
          repository: Type.Optional(
            Type.Union([RepositoryImportSpec, Type.Null()], {
              description:
                'Repository is an optional import of an entire container image repository. A maximum limit on the number of tags imported this way is imposed by the server.',
            }),
          ),
          images: Type.Optional(
            Type.Union([Type.Array(ImageImportSpec, { 'x-kubernetes-list-type': 'atomic' }), Type.Null()], {
              description: 'Images are a list of individual images to import.',
            }),
          ),
        },
        { description: 'ImageStreamImportSpec defines what images should be imported.' },
      ),
      status: Type.Optional(
        Type.Object(
          {
            import: Type.Optional(
              Type.Union([ImageStream, Type.Null()], { description: "Import is the image stream that was successfully updated or created when 'to' was set." }),
            ),
            repository: Type.Optional(
              Type.Union(
                [
                  Type.Object({
                    status: nestedStatus('Status reflects whether any failure occurred during import'),
                    images: Type.Optional(
                      Type.Array(ImageImportStatus, { description: 'Images is a list of images successfully retrieved by the import of the repository.' }),
                    ),
                    additionalTags: Type.Optional(
                      Type.Array(Type.String(), {
                        description:
                          'AdditionalTags are tags that exist in the repository but were not imported because a maximum limit of automatic imports was applied.',
                      }),
                    ),
                  }),
                  Type.Null(),
                ],
                { description: 'Repository is set if spec.repository was set to the outcome of the import' },
              ),
            ),
            images: Type.Optional(Type.Array(ImageImportStatus, { description: 'Images is set with the result of importing spec.images' })),
          },
          { description: 'ImageStreamImportStatus contains information about the status of an image stream import.' },
        ),
      ),
    },
    {
      description:
        'The image stream import resource provides an easy way for a user to find and import container images from other container image registries into the server. Individual images or an entire image repository may be imported, and users may choose to see the results of the import prior to tagging the resulting images into the specified image stream.',
    },
  ),
);
export type ImageStreamImport = Static<typeof ImageStreamImport> & KubeObject;
export type ImageImportStatus = Static<typeof ImageImportStatus>;
