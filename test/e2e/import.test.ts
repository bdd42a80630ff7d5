/**
 * ImageStreamImport against the real distribution registry: previews and imports of OCI and
 * Docker images by tag and digest, manifest lists in both import modes, repository imports with a
 * tag limit, per-image failures as Status while the request succeeds, no write for an unchanged
 * re-import, and the importer's refusal to reach loopback unless the operator allowed it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { imageStreamImport } from '../support/image-stream-import.js';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { kubectl } from '../support/kubectl.js';
import { pushImage, pushIndex, startRegistry, type PushedImage, type Registry } from '../support/registry.js';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { objectKey } from '../../src/apiserver/generic/resource-store.js';
import { imageStreamsInfo } from '../../src/resources/image/imagestreams/definition.js';
import { eventually } from '../support/eventually.js';

let server: ServerProcess;
let registry: Registry;
let v1: PushedImage;
let v1docker: PushedImage;
let index: Awaited<ReturnType<typeof pushIndex>>;
const NS = '/apis/image.openshift.io/v1/namespaces/imp';

interface NestedStatus {
  status: string;
  reason?: string;
  message?: string;
  code?: number;
}
interface ImportResult {
  status: NestedStatus;
  tag?: string;
  image?: {
    metadata: { name: string };
    dockerImageReference: string;
    dockerImageLayers: { name: string }[];
    dockerImageMetadata: { Config?: { Env?: string[] } };
    dockerImageManifests?: { digest: string; architecture: string }[];
    dockerImageManifest?: string;
  };
  manifests?: { metadata: { name: string } }[];
}
interface Isi {
  status: { images?: ImportResult[]; repository?: { status: NestedStatus; images: ImportResult[]; additionalTags?: string[] }; import?: Stream };
}
interface Stream {
  metadata: { generation: number; resourceVersion: string; annotations?: Record<string, string> };
  spec: { tags: { name: string; from: { name: string }; generation: number }[] };
  status: {
    tags: {
      tag: string;
      items: { image: string; generation: number }[] | null;
      conditions?: { type: string; status: string; reason: string; message: string }[];
    }[];
  };
}

async function post(body: unknown): Promise<Isi> {
  const r = await api(server, 'POST', `${NS}/imagestreamimports`, { body });
  assert.equal(r.status, 201, r.text);
  return r.json<Isi>();
}

before(async () => {
  registry = await startRegistry();
  v1 = await pushImage(registry.host, 'team/app', 'v1', { seed: 'v1' });
  v1docker = await pushImage(registry.host, 'team/app', 'v1-docker', { seed: 'v1d', docker: true });
  index = await pushIndex(registry.host, 'team/multi', 'latest', 'multi');
  for (const t of ['latest', '1.0', '1.1', '2.0', 'other']) await pushImage(registry.host, 'team/many', t, { seed: `many-${t}` });
  server = await startServerProcess({
    args: [
      '--import-allowed-networks',
      '127.0.0.0/8',
      '--max-images-bulk-imported-per-repository',
      '3',
      '--scheduled-image-import-minimum-interval-seconds',
      '1',
    ],
  });
  const ns = await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'imp' } } });
  assert.equal(ns.status, 201);
});

after(async () => {
  await server?.stop();
  server?.cleanup();
  await registry?.stop();
});

describe('ImageStreamImport from a real registry', () => {
  it('previews an OCI image by tag without writing anything', async () => {
    const res = await post(imageStreamImport('preview', [{ from: `${registry.host}/team/app:v1` }], false));
    const r = res.status.images?.[0];
    assert.equal(r?.status.status, 'Success', JSON.stringify(r?.status));
    assert.equal(r?.tag, 'v1');
    assert.equal(r?.image?.metadata.name, v1.digest);
    assert.equal(r?.image?.dockerImageReference, `${registry.host}/team/app@${v1.digest}`);
    assert.deepEqual(
      r?.image?.dockerImageLayers.map((l) => l.name),
      [v1.layerDigest],
    );
    assert.ok(r?.image?.dockerImageMetadata.Config?.Env?.includes('SEED=v1'));
    assert.equal(r?.image?.dockerImageManifest, undefined);
    assert.equal(res.status.import, undefined);
    assert.equal((await api(server, 'GET', `${NS}/imagestreams/preview`)).status, 404);
    assert.equal((await api(server, 'GET', `/apis/image.openshift.io/v1/images/${v1.digest}`)).status, 404);
  });

  it('keeps the manifest in the answer when includeManifest is set', async () => {
    const res = await post(imageStreamImport('preview', [{ from: `${registry.host}/team/app@${v1docker.digest}`, includeManifest: true }], false));
    const r = res.status.images?.[0];
    assert.equal(r?.status.status, 'Success', JSON.stringify(r?.status));
    assert.equal(r?.tag, undefined);
    assert.match(r?.image?.dockerImageManifest ?? '', /application\/vnd.docker.distribution.manifest.v2\+json/);
  });

  it('reports a missing tag as a NotFound Status while the request answers 201', async () => {
    const res = await post(imageStreamImport('preview', [{ from: `${registry.host}/team/app:nope` }, { from: `${registry.host}/team/app:v1` }], false));
    const [missing, found] = res.status.images ?? [];
    assert.equal(missing?.status.status, 'Failure');
    assert.equal(missing?.status.reason, 'NotFound');
    assert.equal(missing?.status.message, `dockerimage.image.openshift.io "${registry.host}/team/app:nope" not found`);
    assert.equal(found?.status.status, 'Success');
  });

  it('imports into a new stream: spec tag, tag event, Image stored, generation rules', async () => {
    const res = await post(imageStreamImport('app', [{ from: `${registry.host}/team/app:v1`, to: 'v1' }], true));
    const stream = res.status.import as Stream;
    assert.equal(stream.metadata.generation, 1);
    assert.ok(stream.metadata.annotations?.['openshift.io/image.dockerRepositoryCheck']);
    assert.equal(stream.spec.tags[0]?.from.name, `${registry.host}/team/app:v1`);
    const tag = stream.status.tags.find((t) => t.tag === 'v1');
    assert.equal(tag?.items?.[0]?.image, v1.digest);
    assert.equal(tag?.items?.[0]?.generation, 1);
    const image = await api(server, 'GET', `/apis/image.openshift.io/v1/images/${v1.digest}`);
    assert.equal(image.status, 200);
    const istag = await api(server, 'GET', `${NS}/imagestreamtags/app:v1`);
    assert.equal(istag.status, 200, istag.text);
  });

  it('writes nothing for a re-import that changes nothing', async () => {
    const before = (await api(server, 'GET', `${NS}/imagestreams/app`)).json<Stream>();
    await post(imageStreamImport('app', [{ from: `${registry.host}/team/app:v1`, to: 'v1' }], true));
    const after = (await api(server, 'GET', `${NS}/imagestreams/app`)).json<Stream>();
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
  });

  it('records a failed import as an ImportSuccess=False condition, once', async () => {
    const res = await post(imageStreamImport('app', [{ from: `${registry.host}/team/app:gone`, to: 'gone' }], true));
    const stream = res.status.import as Stream;
    const cond = stream.status.tags.find((t) => t.tag === 'gone')?.conditions?.[0];
    assert.equal(cond?.type, 'ImportSuccess');
    assert.equal(cond?.status, 'False');
    assert.equal(cond?.reason, 'NotFound');
    const rv = (await api(server, 'GET', `${NS}/imagestreams/app`)).json<Stream>().metadata.resourceVersion;
    await post(imageStreamImport('app', [{ from: `${registry.host}/team/app:gone`, to: 'gone' }], true));
    assert.equal((await api(server, 'GET', `${NS}/imagestreams/app`)).json<Stream>().metadata.resourceVersion, rv);
  });

  it('imports one platform of an index in Legacy mode and the whole list with PreserveOriginal', async () => {
    const legacy = await post(imageStreamImport('multi', [{ from: `${registry.host}/team/multi:latest`, to: 'legacy' }], true));
    const l = legacy.status.images?.[0];
    assert.equal(l?.status.status, 'Success', JSON.stringify(l?.status));
    assert.equal(l?.image?.metadata.name, process.arch === 'arm64' ? index.arm64.digest : index.amd64.digest);
    const preserve = await post(imageStreamImport('multi', [{ from: `${registry.host}/team/multi:latest`, to: 'all', mode: 'PreserveOriginal' }], true));
    const p = preserve.status.images?.[0];
    assert.equal(p?.status.status, 'Success', JSON.stringify(p?.status));
    assert.equal(p?.image?.metadata.name, index.digest);
    assert.deepEqual(
      p?.image?.dockerImageManifests?.map((m) => m.architecture),
      ['amd64', 'arm64'],
    );
    assert.deepEqual(
      p?.manifests?.map((m) => m.metadata.name),
      [index.amd64.digest, index.arm64.digest],
    );
    for (const d of [index.digest, index.amd64.digest, index.arm64.digest]) {
      assert.equal((await api(server, 'GET', `/apis/image.openshift.io/v1/images/${d}`)).status, 200, d);
    }
    const layers = (await api(server, 'GET', `${NS}/imagestreams/multi/layers`)).json<{ images: Record<string, { manifests?: string[] }> }>();
    assert.deepEqual(layers.images[index.digest]?.manifests, [index.amd64.digest, index.arm64.digest]);
  });

  it('imports a repository up to the tag limit, in priority order, listing the rest', async () => {
    const res = await post(imageStreamImport('many', [], true, { from: `${registry.host}/team/many` }));
    const repo = res.status.repository;
    assert.equal(repo?.status.status, 'Success', JSON.stringify(repo?.status));
    assert.deepEqual(
      repo?.images.map((i) => i.tag),
      ['latest', '2.0', '1.1'],
    );
    assert.deepEqual(repo?.additionalTags, ['1.0', 'other']);
    const stream = res.status.import as Stream;
    assert.deepEqual(stream.status.tags.map((t) => t.tag).sort(), ['1.1', '2.0', 'latest']);
  });

  it('picks the platform a tag prefers with the prefer-arch annotation', async () => {
    const stream = {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStream',
      metadata: { name: 'pref' },
      spec: {
        tags: [
          {
            name: 'arm',
            annotations: { 'importer.image.openshift.io/prefer-arch': 'arm64' },
            from: { kind: 'DockerImage', name: 'example.invalid/x:y' },
            reference: true,
          },
        ],
      },
    };
    assert.equal((await api(server, 'POST', `${NS}/imagestreams`, { body: stream })).status, 201);
    const res = await post(imageStreamImport('pref', [{ from: `${registry.host}/team/multi:latest`, to: 'arm' }], false));
    assert.equal(res.status.images?.[0]?.image?.metadata.name, index.arm64.digest);
  });

  it('honours resourceVersion and uid preconditions on the stream', async () => {
    const stale = await api(server, 'POST', `${NS}/imagestreamimports`, {
      body: { ...imageStreamImport('app', [{ from: `${registry.host}/team/app:v1`, to: 'v1' }], true), metadata: { name: 'app', resourceVersion: '1' } },
    });
    assert.equal(stale.status, 409);
    assert.match(
      stale.json<NestedStatus>().message ?? '',
      /^Operation cannot be fulfilled on imagestream.image.openshift.io "app": the image stream was updated from "1" to "\d+"$/,
    );
    const missing = await api(server, 'POST', `${NS}/imagestreamimports`, {
      body: { ...imageStreamImport('absent', [{ from: `${registry.host}/team/app:v1`, to: 'v1' }], true), metadata: { name: 'absent', uid: 'x' } },
    });
    assert.equal(missing.status, 404);
    const wrongUid = await api(server, 'POST', `${NS}/imagestreamimports`, {
      body: {
        ...imageStreamImport('app', [{ from: `${registry.host}/team/app:v1`, to: 'v1' }], true),
        metadata: { name: 'app', uid: '00000000-0000-4000-8000-000000000000' },
      },
    });
    assert.equal(wrongUid.status, 404);
    assert.equal(wrongUid.json<NestedStatus>().message, 'imagestream.image.openshift.io "app" not found');
  });

  it('defaults the destination tag to the source tag, and leaves it unset for a digest', async () => {
    const res = await post(imageStreamImport('defaults', [{ from: `${registry.host}/team/app:v1` }, { from: `${registry.host}/team/app@${v1.digest}` }], true));
    assert.equal(res.status.images?.[0]?.tag, 'v1');
    assert.equal(res.status.images?.[1]?.tag, undefined);
    const stream = (await api(server, 'GET', `${NS}/imagestreams/defaults`)).json<Stream>();
    assert.deepEqual(
      stream.spec.tags.map((t) => t.name),
      ['v1'],
    );
  });

  it('reports a registry that is down as an InternalError Status', async () => {
    const res = await post(imageStreamImport('preview', [{ from: '127.0.0.1:1/team/app:v1' }], false));
    assert.equal(res.status.images?.[0]?.status.reason, 'InternalError');
  });

  it('uses the cluster default import mode for entries that name none', async () => {
    const patch = async (mode: string | null) => {
      const r = await api(server, 'PATCH', '/apis/config.openshift.io/v1/images/cluster', {
        body: { spec: { imageStreamImportMode: mode } },
        contentType: 'application/merge-patch+json',
      });
      assert.equal(r.status, 200, r.text);
    };
    await patch('PreserveOriginal');
    try {
      const res = await post(imageStreamImport('defaulted', [{ from: `${registry.host}/team/multi:latest`, to: 'all' }], true));
      assert.equal(res.status.images?.[0]?.image?.metadata.name, index.digest);
      const stream = (await api(server, 'GET', `${NS}/imagestreams/defaulted`)).json<{ spec: { tags: { importPolicy: { importMode: string } }[] } }>();
      assert.equal(stream.spec.tags[0]?.importPolicy.importMode, 'PreserveOriginal');
    } finally {
      await patch(null);
    }
  });

  it('answers 422 naming the field for an invalid request', async () => {
    const r = await api(server, 'POST', `${NS}/imagestreamimports`, {
      body: { apiVersion: 'image.openshift.io/v1', kind: 'ImageStreamImport', metadata: { name: 'bad' }, spec: { import: false } },
    });
    assert.equal(r.status, 422);
    assert.match(r.json<NestedStatus>().message ?? '', /spec.images: Invalid value: "null": you must specify at least one image or a repository import/);
  });
});

describe('import metrics', () => {
  it('counts imports by registry and result, and times registry requests', async () => {
    const m = (await api(server, 'GET', '/metrics')).text;
    assert.ok(m.includes(`image_import_results_total{registry="${registry.host}",result="Success"}`), 'no success count');
    assert.ok(m.includes(`image_import_results_total{registry="${registry.host}",result="NotFound"}`), 'no NotFound count');
    assert.match(m, new RegExp(`image_registry_request_duration_seconds_count\\{registry="${registry.host.replace(/\./g, '\\.')}",code="200"\\} [1-9]`));
    assert.match(m, /image_import_queue_depth \d+/);
  });
});

describe('the importer and the network', () => {
  it('refuses to contact loopback unless the operator allowed it', async () => {
    const guarded = await startServerProcess();
    try {
      const ns = await api(guarded, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'imp' } } });
      assert.equal(ns.status, 201);
      const r = await api(guarded, 'POST', `${NS}/imagestreamimports`, { body: imageStreamImport('x', [{ from: `${registry.host}/team/app:v1` }], false) });
      assert.equal(r.status, 201, r.text);
      const status = r.json<Isi>().status.images?.[0]?.status;
      assert.equal(status?.status, 'Failure');
      assert.match(status?.message ?? '', /not allowed to contact/);
    } finally {
      await guarded.stop();
      guarded.cleanup();
    }
  });
});

describe('import controllers', () => {
  const newestImage = async (stream: string, tag: string) => {
    const r = await api(server, 'GET', `${NS}/imagestreams/${stream}`);
    if (r.status !== 200) return undefined;
    return r.json<Stream>().status.tags?.find((t) => t.tag === tag)?.items?.[0]?.image;
  };

  it('imports a DockerImage tag created with kubectl apply, without an explicit import', async () => {
    const manifest = JSON.stringify({
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStream',
      metadata: { name: 'applied' },
      spec: { tags: [{ name: 'v1', from: { kind: 'DockerImage', name: `${registry.host}/team/app:v1` }, importPolicy: { insecure: true } }] },
    });
    const r = await kubectl(server.kubeconfig, ['-n', 'imp', 'apply', '-f', '-'], { stdin: manifest });
    assert.equal(r.code, 0, r.stderr);
    const image = await eventually('the controller import', () => newestImage('applied', 'v1'));
    assert.equal(image, v1.digest);
  });

  /** A stream `name` whose `latest` tag imports `team/<name>:latest` from the registry. */
  const latestFrom = (name: string, policy: { scheduled?: boolean } = {}) => ({
    apiVersion: 'image.openshift.io/v1',
    kind: 'ImageStream',
    metadata: { name },
    spec: {
      tags: [{ name: 'latest', from: { kind: 'DockerImage', name: `${registry.host}/team/${name}:latest` }, importPolicy: { insecure: true, ...policy } }],
    },
  });

  it('re-imports a scheduled tag when it moves upstream', async () => {
    await pushImage(registry.host, 'team/moving', 'latest', { seed: 'first' });
    assert.equal((await api(server, 'POST', `${NS}/imagestreams`, { body: latestFrom('moving', { scheduled: true }) })).status, 201);
    const first = await eventually('the first import', () => newestImage('moving', 'latest'));
    const moved = await pushImage(registry.host, 'team/moving', 'latest', { seed: 'second' });
    assert.notEqual(moved.digest, first);
    const second = await eventually('the scheduled re-import', async () => {
      const now = await newestImage('moving', 'latest');
      return now === moved.digest ? now : undefined;
    });
    assert.equal(second, moved.digest);
    const history = (await api(server, 'GET', `${NS}/imagestreams/moving`))
      .json<Stream>()
      .status.tags.find((t) => t.tag === 'latest')
      ?.items?.map((i) => i.image);
    assert.deepEqual(history, [moved.digest, first]);
  });

  it('re-imports a tag whose generation is set to 0, after it moved upstream', async () => {
    await pushImage(registry.host, 'team/regen', 'latest', { seed: 'regen-1' });
    assert.equal((await api(server, 'POST', `${NS}/imagestreams`, { body: latestFrom('regen') })).status, 201);
    const first = await eventually('the first import', () => newestImage('regen', 'latest'));
    const moved = await pushImage(registry.host, 'team/regen', 'latest', { seed: 'regen-2' });
    const patch = await api(server, 'PATCH', `${NS}/imagestreams/regen`, {
      contentType: 'application/json-patch+json',
      body: [{ op: 'replace', path: '/spec/tags/0/generation', value: 0 }],
    });
    assert.equal(patch.status, 200, patch.text);
    const second = await eventually('the re-import', async () => ((await newestImage('regen', 'latest')) === moved.digest ? moved.digest : undefined));
    assert.notEqual(second, first);
  });
});

describe('import controllers after a restart', () => {
  it('imports a tag that was stored ahead of its status while no server ran', async () => {
    const image = await pushImage(registry.host, 'team/offline', 'v1', { seed: 'offline' });
    const s = await startServerProcess({ args: ['--import-allowed-networks', '127.0.0.0/8'] });
    try {
      assert.equal((await api(s, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'offline' } } })).status, 201);
      assert.equal(await s.stop(), 0);
      // What a server that stopped between accepting a tag and importing it leaves behind.
      const store = openSqliteStore({ path: `${s.dataDir}/state.db`, compactInterval: 0 });
      await store.create(
        objectKey(imageStreamsInfo, 'offline', 'pending'),
        JSON.stringify({
          apiVersion: 'image.openshift.io/v1',
          kind: 'ImageStream',
          metadata: {
            name: 'pending',
            namespace: 'offline',
            uid: '6f1b2c1e-0000-4000-8000-000000000001',
            creationTimestamp: new Date().toISOString(),
            generation: 2,
          },
          spec: {
            lookupPolicy: { local: false },
            tags: [
              {
                name: 'v1',
                from: { kind: 'DockerImage', name: `${registry.host}/team/offline:v1` },
                generation: 2,
                importPolicy: { insecure: true },
                referencePolicy: { type: 'Source' },
              },
            ],
          },
          status: { dockerImageRepository: '' },
        }),
      );
      await store.close();
      const again = await startServerProcess({ dataDir: s.dataDir, args: ['--import-allowed-networks', '127.0.0.0/8'] });
      try {
        const imported = await eventually('the import after the restart', async () => {
          const r = await api(again, 'GET', '/apis/image.openshift.io/v1/namespaces/offline/imagestreams/pending');
          return r.json<Stream>().status.tags?.find((t) => t.tag === 'v1')?.items?.[0]?.image;
        });
        assert.equal(imported, image.digest);
      } finally {
        await again.stop();
      }
    } finally {
      s.cleanup();
    }
  });
});
