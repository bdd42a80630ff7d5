/**
 * The roles and bindings the authorizer reads, kept in memory: loaded at start, reloaded after every
 * write through this server (before the write's response, so a new binding applies to the next
 * request) and on any change seen by the watches (writes from elsewhere).
 */
import type { Logger } from 'pino';
import type { RequestContext } from '../../api/strategy.js';
import type { ResourceStore } from '../../apiserver/generic/resource-store.js';
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding } from '../../apis/rbac/schema.js';
import type { RbacState } from '../../auth/rbac-authorizer.js';

export interface RbacStores {
  readonly roles: ResourceStore<Role>;
  readonly clusterRoles: ResourceStore<ClusterRole>;
  readonly roleBindings: ResourceStore<RoleBinding>;
  readonly clusterRoleBindings: ResourceStore<ClusterRoleBinding>;
}

export class RbacCache implements RbacState {
  private clusterRoles = new Map<string, readonly PolicyRule[]>();
  private roles = new Map<string, readonly PolicyRule[]>();
  private crbs: RoleBinding[] = [];
  private rbs = new Map<string, RoleBinding[]>();
  private readonly abort = new AbortController();

  constructor(
    private readonly stores: RbacStores,
    private readonly systemContext: () => RequestContext,
    private readonly logger: Logger,
  ) {}

  clusterRoleRules(name: string) {
    return this.clusterRoles.get(name);
  }
  roleRules(namespace: string, name: string) {
    return this.roles.get(`${namespace}/${name}`);
  }
  clusterRoleBindings() {
    return this.crbs;
  }
  roleBindings(namespace: string) {
    return this.rbs.get(namespace) ?? [];
  }

  async refresh(): Promise<void> {
    const ctx = this.systemContext();
    const [cr, r, crb, rb] = await Promise.all([
      this.stores.clusterRoles.list(ctx, {}),
      this.stores.roles.list(ctx, {}),
      this.stores.clusterRoleBindings.list(ctx, {}),
      this.stores.roleBindings.list(ctx, {}),
    ]);
    this.clusterRoles = new Map(cr.items.map((x) => [x.metadata.name ?? '', x.rules ?? []]));
    this.roles = new Map(r.items.map((x) => [`${x.metadata.namespace ?? ''}/${x.metadata.name ?? ''}`, x.rules ?? []]));
    this.crbs = crb.items as RoleBinding[];
    const byNs = new Map<string, RoleBinding[]>();
    for (const b of rb.items) byNs.set(b.metadata.namespace ?? '', [...(byNs.get(b.metadata.namespace ?? '') ?? []), b]);
    this.rbs = byNs;
  }

  async start(): Promise<void> {
    await this.refresh();
    for (const store of Object.values(this.stores) as ResourceStore<Role>[]) void this.follow(store);
  }

  private async follow(store: ResourceStore<Role>): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        const rv = String(await store.list(this.systemContext(), { limit: 1 }).then((l) => l.resourceVersion));
        for await (const ev of store.watch(this.systemContext(), { resourceVersion: rv }, this.abort.signal)) {
          if (ev.type !== 'BOOKMARK') await this.refresh();
        }
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.logger.warn({ err }, 'RBAC watch ended; reloading');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  close(): void {
    this.abort.abort();
  }
}
