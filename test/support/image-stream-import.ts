/** The body of an ImageStreamImport from test registries (plain HTTP, so every import is insecure). */
export interface ImportEntry {
  readonly from: string;
  readonly to?: string;
  readonly mode?: string;
  readonly includeManifest?: boolean;
}

export function imageStreamImport(name: string, images: readonly ImportEntry[], doImport: boolean, repository?: { from: string; mode?: string }) {
  const policy = (mode: string | undefined) => ({ insecure: true, ...(mode ? { importMode: mode } : {}) });
  return {
    apiVersion: 'image.openshift.io/v1',
    kind: 'ImageStreamImport',
    metadata: { name },
    spec: {
      import: doImport,
      images: images.map((i) => ({
        from: { kind: 'DockerImage', name: i.from },
        ...(i.to ? { to: { name: i.to } } : {}),
        importPolicy: policy(i.mode),
        ...(i.includeManifest ? { includeManifest: true } : {}),
      })),
      ...(repository ? { repository: { from: { kind: 'DockerImage', name: repository.from }, importPolicy: policy(repository.mode) } } : {}),
    },
  };
}
