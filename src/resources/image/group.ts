import { IMAGE_PRESENCE } from '../../apis/image/presence.js';

/** What every kind of image.openshift.io/v1 shares in its ResourceInfo. */
export const IMAGE_GROUP = {
  group: 'image.openshift.io',
  version: 'v1',
  // Ahead of config.openshift.io, so `kubectl get images` means the image API's, as `oc get images` does.
  groupPriority: 100,
  presence: IMAGE_PRESENCE,
} as const;

/** The image stream views: namespaced, no subresources, no short names unless their own. */
export const IMAGE_VIEW = {
  ...IMAGE_GROUP,
  namespaced: true,
  shortNames: [] as readonly string[],
  categories: [] as readonly string[],
  subresources: [],
} as const;
