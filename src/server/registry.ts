/**
 * The integrated registry's view of the image API: its backend functions built from what the
 * installed kinds provide, acting as the server itself once the registry has checked the user.
 */
import type { Logger } from 'pino';
import { isApiError } from '../api/errors.js';
import type { Image } from '../apis/image/schema.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { NetworkPolicy } from '../importer/address-guard.js';
import { createRegistry, type IntegratedRegistry } from '../registry/registry.js';
import type { RegistryBackend, StreamBlob } from '../registry/backend.js';
import { streamLayers } from '../resources/image/imagestreams/layers.js';
import { systemContext } from '../resources/installer.js';
import { trustedCAs } from '../resources/image/imagestreamimports/trusted-cas.js';
import type { ApiResources } from './api-resources.js';

export interface RegistrySettings {
  readonly storageDir: string;
  readonly network: NetworkPolicy;
  readonly pullThroughTimeoutMs: number;
  readonly gcGraceMs: number;
  readonly logger: Logger;
}

export function registryBackend(api: ApiResources, authenticate: Authenticator): RegistryBackend {
  const images = api.need('images');
  const { streams } = api.need('imageStreams');
  const clusterConfig = api.need('clusterConfig');
  const secrets = api.need('secrets');
  const mappings = api.need('imageStreamMappings');
  const authorize = api.need('authorize');
  const ctx = (namespace?: string) => ({ ...systemContext(), ...(namespace ? { namespace } : {}) });
  return {
    authenticate,
    authorize: (user, attrs) => authorize(user, attrs).allowed,
    getStream: async (namespace, name) => (await streams.getRaw(namespace, name))?.obj,
    async listStreams() {
      return (await streams.list(ctx(), {})).items;
    },
    async createStream(namespace, name) {
      try {
        await streams.create(ctx(namespace), { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name, namespace } }, { dryRun: false });
      } catch (e) {
        if (!isApiError(e, 'AlreadyExists')) throw e;
      }
    },
    getImage: async (name) => (await images.getRaw(undefined, name))?.obj,
    async listImages() {
      return (await images.list(ctx(), {})).items;
    },
    async createImage(image: Image) {
      try {
        await images.create(ctx(), structuredClone(image), { dryRun: false });
      } catch (e) {
        if (!isApiError(e, 'AlreadyExists')) throw e;
      }
    },
    async tagImage(namespace, stream, tag, image) {
      const create = mappings.create;
      if (!create) throw new Error('imagestreammappings cannot be created');
      await create(
        ctx(namespace),
        { apiVersion: 'image.openshift.io/v1', kind: 'ImageStreamMapping', metadata: { name: stream, namespace }, tag, image: structuredClone(image) },
        { dryRun: false, fieldValidation: 'Ignore' },
      );
    },
    async streamBlobs(stream) {
      const layers = await streamLayers(stream, images);
      const out = new Map<string, StreamBlob>();
      for (const [name, refs] of Object.entries(layers.images)) {
        if (refs.imageMissing) continue;
        const add = (digest: string) => {
          if (!out.has(digest)) out.set(digest, { size: layers.blobs[digest]?.size ?? null, image: name });
        };
        add(name);
        for (const l of refs.layers ?? []) add(l);
        if (refs.config) add(refs.config);
      }
      return out;
    },
    async pullSecrets(namespace) {
      return (await secrets.list(ctx(namespace), {})).items;
    },
    hostname: () => clusterConfig.get().internalRegistryHostname ?? '',
  };
}

export function startRegistry(api: ApiResources, authenticate: Authenticator, s: RegistrySettings): Promise<IntegratedRegistry> {
  const clusterConfig = api.need('clusterConfig');
  const configMaps = api.need('configMaps');
  return createRegistry({
    backend: registryBackend(api, authenticate),
    storageDir: s.storageDir,
    network: s.network,
    pullThroughTimeoutMs: s.pullThroughTimeoutMs,
    gcGraceMs: s.gcGraceMs,
    logger: s.logger,
    // The same registry policy and trusted CAs as imports.
    pullThroughPolicy: async () => {
      const cfg = clusterConfig.get();
      const ca = await trustedCAs(configMaps, cfg.importPolicy.additionalTrustedCA);
      return {
        whitelister: cfg.whitelister,
        insecureRegistries: cfg.importPolicy.insecureRegistries,
        blockedRegistries: cfg.importPolicy.blockedRegistries,
        ...(ca ? { ca } : {}),
      };
    },
  });
}
