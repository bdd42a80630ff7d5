import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import type { ResourceInfo } from '../../api/resource-info.js';
import type { ResourceHandler } from '../generic/handler.js';
import { buildDiscovery, wantsAggregated } from './discovery.js';

const info = (group: string, resource: string, kind: string, namespaced: boolean): ResourceInfo => ({
  group,
  version: 'v1',
  resource,
  singular: resource.slice(0, -1),
  kind,
  listKind: `${kind}List`,
  namespaced,
  shortNames: resource === 'imagestreams' ? ['is'] : [],
  categories: resource === 'imagestreams' ? ['all'] : [],
  verbs: [],
  subresources: [{ name: 'status', kind, verbs: ['get', 'patch', 'update'], schema: Type.Object({}) }],
  schema: Type.Object({}),
});

const noop = async () => {
  throw new Error('not called');
};
const noWatch = (): AsyncGenerator<never> => {
  throw new Error('not called');
};
const handlers: ResourceHandler[] = [
  { info: info('image.openshift.io', 'imagestreams', 'ImageStream', true), get: noop, list: noop, watch: noWatch, create: noop, delete: noop },
  { info: info('image.openshift.io', 'imagestreams', 'ImageStream', true), subresource: 'status', get: noop, update: noop, patch: noop },
  { info: info('', 'namespaces', 'Namespace', false), get: noop, list: noop },
];

describe('discovery', () => {
  const d = buildDiscovery(handlers);

  it('recognises the aggregated discovery Accept header kubectl sends', () => {
    assert.equal(
      wantsAggregated(
        'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json',
      ),
      'v2',
    );
    assert.equal(wantsAggregated('application/json'), undefined);
  });

  it('lists verbs derived from the handlers, with subresources, in the legacy resource list', () => {
    const list = d.apiResourceList('image.openshift.io', 'v1') as { resources: { name: string; verbs: string[]; shortNames?: string[] }[] };
    assert.deepEqual(
      list.resources.map((r) => [r.name, r.verbs.join(',')]),
      [
        ['imagestreams', 'create,delete,get,list,watch'],
        ['imagestreams/status', 'get,patch,update'],
      ],
    );
    assert.deepEqual(list.resources[0]?.shortNames, ['is']);
  });

  it('builds the aggregated v2 document with scope, categories and subresources', () => {
    const agg = d.aggregated('apis', 'apidiscovery.k8s.io/v2') as {
      kind: string;
      items: {
        metadata: { name: string };
        versions: { version: string; resources: { resource: string; scope: string; categories?: string[]; subresources?: { subresource: string }[] }[] }[];
      }[];
    };
    assert.equal(agg.kind, 'APIGroupDiscoveryList');
    const r = agg.items[0]?.versions[0]?.resources[0];
    assert.equal(agg.items[0]?.metadata.name, 'image.openshift.io');
    assert.equal(r?.scope, 'Namespaced');
    assert.deepEqual(r?.categories, ['all']);
    assert.equal(r?.subresources?.[0]?.subresource, 'status');
    const core = d.aggregated('api', 'apidiscovery.k8s.io/v2') as { items: { versions: { resources: { resource: string; scope: string }[] }[] }[] };
    assert.equal(core.items[0]?.versions[0]?.resources[0]?.scope, 'Cluster');
  });

  it('serves the legacy group list and version list', () => {
    assert.deepEqual(
      (d.apiGroupList() as { groups: { name: string }[] }).groups.map((g) => g.name),
      ['image.openshift.io'],
    );
    assert.deepEqual((d.apiVersions('h:1') as { versions: string[] }).versions, ['v1']);
    assert.equal(d.apiGroup('nope'), undefined);
  });
});
