/** The annotations on Images that the server, the importer, the registry and pruning read and write: one name each. */

/** The integrated registry manages the image (it was pushed there); pruning deletes only these unless told otherwise. */
export const MANAGED_ANNOTATION = 'openshift.io/image.managed';
/** The manifest and config live in the registry's storage, not in the Image. */
export const MANIFEST_BLOB_STORED_ANNOTATION = 'image.openshift.io/manifestBlobStored';
/** `ascending`: dockerImageLayers are listed base first. */
export const LAYERS_ORDER_ANNOTATION = 'image.openshift.io/dockerLayersOrder';
/** The artifact type of an OCI artifact (not a runnable image). */
export const ARTIFACT_TYPE_ANNOTATION = 'image.openshift.io/artifactType';
/** The image an artifact (a signature, an SBOM) was pushed for, by digest. */
export const SUBJECT_ANNOTATION = 'image.openshift.io/subject';
