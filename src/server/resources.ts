/**
 * Every kind the server serves, in installation order: a kind may use what kinds listed before it
 * provide. Adding a kind is a folder under resources/ with its definition.ts, and one line here.
 */
import type { ResourceDefinition } from '../resources/installer.js';
import { namespaces } from '../resources/core/namespaces/definition.js';
import { secrets } from '../resources/core/secrets/definition.js';
import { configMaps } from '../resources/core/configmaps/definition.js';
import { events } from '../resources/core/events/definition.js';
import { eventsV1 } from '../resources/events/events/definition.js';
import { rbacPolicy } from '../resources/rbac/definition.js';
import { selfSubjectAccessReviews } from '../resources/authorization/selfsubjectaccessreviews/definition.js';
import { selfSubjectRulesReviews } from '../resources/authorization/selfsubjectrulesreviews/definition.js';
import { selfSubjectReviews } from '../resources/authentication/selfsubjectreviews/definition.js';
import { clusterImageConfigs } from '../resources/config/images/definition.js';
import { images } from '../resources/image/images/definition.js';
import { imageStreams } from '../resources/image/imagestreams/definition.js';
import { imageStreamTags } from '../resources/image/imagestreamtags/definition.js';
import { imageTags } from '../resources/image/imagetags/definition.js';
import { imageStreamImages } from '../resources/image/imagestreamimages/definition.js';
import { imageStreamMappings } from '../resources/image/imagestreammappings/definition.js';
import { imageStreamImports } from '../resources/image/imagestreamimports/definition.js';
import { imageSignatures } from '../resources/image/imagesignatures/definition.js';

export const RESOURCE_DEFINITIONS: readonly ResourceDefinition[] = [
  namespaces,
  secrets,
  configMaps,
  events,
  eventsV1,
  rbacPolicy,
  selfSubjectAccessReviews,
  selfSubjectRulesReviews,
  selfSubjectReviews,
  clusterImageConfigs,
  images,
  imageStreams,
  imageStreamTags,
  imageTags,
  imageStreamImages,
  imageStreamMappings,
  imageStreamImports,
  imageSignatures,
];
