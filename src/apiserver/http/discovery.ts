/**
 * Discovery documents, in both the aggregated form (apidiscovery.k8s.io/v2 and v2beta1, two
 * requests for kubectl) and the legacy per-group form that older clients and client-node walk.
 * Built once from the handlers: verbs are what the handlers implement.
 */
import type { ResourceHandler } from '../generic/handler.js';
import { verbsOf } from '../generic/handler.js';

interface GroupVersionResources {
  group: string;
  version: string;
  main: ResourceHandler[];
  subresources: Map<string, ResourceHandler[]>;
}

export interface Discovery {
  /** `/api` legacy form. */
  apiVersions(serverAddress: string): object;
  /** `/apis` legacy form. */
  apiGroupList(): object;
  apiGroup(group: string): object | undefined;
  apiResourceList(group: string, version: string): object | undefined;
  /** Aggregated form for `/api` (core) or `/apis` (named groups). */
  aggregated(which: 'api' | 'apis', apiVersion: 'apidiscovery.k8s.io/v2' | 'apidiscovery.k8s.io/v2beta1'): object;
}

export function aggregatedContentType(version: 'v2' | 'v2beta1'): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}

/** Which aggregated discovery version the Accept header asks for, if any. */
export function wantsAggregated(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  if (!accept) return undefined;
  for (const part of accept.split(',')) {
    const p = part.replace(/\s+/g, '');
    if (!p.includes('g=apidiscovery.k8s.io') || !p.includes('as=APIGroupDiscoveryList')) continue;
    if (p.includes('v=v2beta1')) return 'v2beta1';
    if (p.includes('v=v2')) return 'v2';
  }
  return undefined;
}

export function buildDiscovery(handlers: readonly ResourceHandler[]): Discovery {
  const gvs = new Map<string, GroupVersionResources>();
  for (const h of handlers) {
    const id = `${h.info.group}/${h.info.version}`;
    let gv = gvs.get(id);
    if (!gv) {
      gv = { group: h.info.group, version: h.info.version, main: [], subresources: new Map() };
      gvs.set(id, gv);
    }
    if (h.subresource) {
      const list = gv.subresources.get(h.info.resource) ?? [];
      list.push(h);
      gv.subresources.set(h.info.resource, list);
    } else {
      gv.main.push(h);
    }
  }
  const named = [...gvs.values()].filter((g) => g.group !== '');
  // Discovery order is kubectl's priority when a resource name exists in two groups: groups come by
  // their kinds' groupPriority, higher first, then by name, as kube-apiserver orders them.
  const priority = new Map<string, number>();
  for (const h of handlers) priority.set(h.info.group, Math.max(priority.get(h.info.group) ?? 0, h.info.groupPriority ?? 0));
  const rank = (g: string) => -(priority.get(g) ?? 0);
  const groups = [...new Set(named.map((g) => g.group))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));

  const groupDoc = (group: string) => {
    const versions = named.filter((g) => g.group === group).map((g) => ({ groupVersion: `${group}/${g.version}`, version: g.version }));
    return { name: group, versions, preferredVersion: versions[0] };
  };

  const resourceEntries = (gv: GroupVersionResources) => {
    const out: object[] = [];
    for (const h of [...gv.main].sort((a, b) => a.info.resource.localeCompare(b.info.resource))) {
      out.push({
        name: h.info.resource,
        singularName: h.info.singular,
        namespaced: h.info.namespaced,
        kind: h.info.kind,
        verbs: verbsOf(h),
        ...(h.info.shortNames.length ? { shortNames: [...h.info.shortNames] } : {}),
        ...(h.info.categories.length ? { categories: [...h.info.categories] } : {}),
      });
      for (const sub of gv.subresources.get(h.info.resource) ?? []) {
        const subInfo = h.info.subresources.find((s) => s.name === sub.subresource);
        out.push({
          name: `${h.info.resource}/${sub.subresource}`,
          singularName: '',
          namespaced: h.info.namespaced,
          ...(subInfo?.group !== undefined ? { group: subInfo.group, version: subInfo.version } : {}),
          kind: subInfo?.kind ?? h.info.kind,
          verbs: verbsOf(sub),
        });
      }
    }
    return out;
  };

  const aggregatedVersion = (gv: GroupVersionResources) => ({
    version: gv.version,
    resources: [...gv.main]
      .sort((a, b) => a.info.resource.localeCompare(b.info.resource))
      .map((h) => ({
        resource: h.info.resource,
        responseKind: { group: h.info.group, version: h.info.version, kind: h.info.kind },
        scope: h.info.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: h.info.singular,
        verbs: verbsOf(h),
        ...(h.info.shortNames.length ? { shortNames: [...h.info.shortNames] } : {}),
        ...(h.info.categories.length ? { categories: [...h.info.categories] } : {}),
        ...((gv.subresources.get(h.info.resource) ?? []).length
          ? {
              subresources: (gv.subresources.get(h.info.resource) ?? []).map((sub) => {
                const subInfo = h.info.subresources.find((s) => s.name === sub.subresource);
                return {
                  subresource: sub.subresource,
                  responseKind: {
                    group: subInfo?.group ?? h.info.group,
                    version: subInfo?.version ?? h.info.version,
                    kind: subInfo?.kind ?? h.info.kind,
                  },
                  verbs: verbsOf(sub),
                };
              }),
            }
          : {}),
      })),
    freshness: 'Current',
  });

  return {
    apiVersions(serverAddress) {
      const core = [...gvs.values()].filter((g) => g.group === '').map((g) => g.version);
      return {
        kind: 'APIVersions',
        versions: core,
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
      };
    },
    apiGroupList() {
      return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(groupDoc) };
    },
    apiGroup(group) {
      if (!groups.includes(group)) return undefined;
      return { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(group) };
    },
    apiResourceList(group, version) {
      const gv = gvs.get(`${group}/${version}`);
      if (!gv) return undefined;
      return {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: group ? `${group}/${version}` : version,
        resources: resourceEntries(gv),
      };
    },
    aggregated(which, apiVersion) {
      const items =
        which === 'api'
          ? [...gvs.values()].filter((g) => g.group === '').length
            ? [{ metadata: { creationTimestamp: null }, versions: [...gvs.values()].filter((g) => g.group === '').map(aggregatedVersion) }]
            : []
          : groups.map((group) => ({
              metadata: { name: group, creationTimestamp: null },
              versions: named.filter((g) => g.group === group).map(aggregatedVersion),
            }));
      return { kind: 'APIGroupDiscoveryList', apiVersion, metadata: {}, items };
    },
  };
}
