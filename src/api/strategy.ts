/**
 * A strategy holds one kind's rules; the generic registry (resource-store.ts) owns the algorithm
 * that calls them, in this fixed order (as k8s' BeforeCreate/BeforeUpdate):
 *   create: default → prepareForCreate → validate → common metadata validation → store → decorate
 *   update: default → prepareForUpdate(new, old) → validateUpdate → metadata update validation → store → decorate
 * Methods are pure except where a kind's rules need other objects (injected at construction).
 */
import type { FieldError } from './errors.js';
import type { KubeObject } from './meta.js';

export interface UserInfo {
  readonly name: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** Everything a handler knows about the request, passed explicitly (no ambient context). */
export interface RequestContext {
  readonly user: UserInfo;
  readonly namespace?: string;
  readonly dryRun: boolean;
  /** Warnings to send as `Warning: 299 - "…"` headers. */
  readonly warnings: string[];
  /** The request's clock reading; strategies use it for timestamps so one request has one "now". */
  readonly now: Date;
  /**
   * Aborted when nobody waits for the answer any more (its deadline passed, its client left, the
   * controller stopped): work that reaches outside the server, such as imports, stops with it.
   */
  readonly signal?: AbortSignal;
}

export interface Strategy<T extends KubeObject> {
  readonly namespaced: boolean;
  /** PUT to a missing object creates it. */
  readonly allowCreateOnUpdate: boolean;
  /** PUT without metadata.resourceVersion is accepted (last write wins). */
  readonly allowUnconditionalUpdate: boolean;
  /** Defaulting, applied to request bodies and to objects read from storage (like Go's SetDefaults_*). */
  default?(obj: T): void;
  /** Clears what clients may not set (status) and derives fields. */
  prepareForCreate(obj: T, ctx: RequestContext): void;
  /**
   * Admission that depends on who asks (RBAC's escalation check): runs after the object is
   * prepared and before validation, and throws an API error to refuse. Validation stays pure.
   */
  admit?(obj: T, old: T | undefined, ctx: RequestContext): void | Promise<void>;
  /** Kind-specific validation; may be async where rules read other objects. */
  validate(obj: T, ctx: RequestContext): FieldError[] | Promise<FieldError[]>;
  /** Copies what may not change from `old`; may mutate `obj` only. */
  prepareForUpdate(obj: T, old: T, ctx: RequestContext): void;
  validateUpdate(obj: T, old: T, ctx: RequestContext): FieldError[] | Promise<FieldError[]>;
  /** Read-time derived fields (never stored): applied to every object returned to a client. */
  decorate?(obj: T): void;
  /**
   * What decorate reads besides the object (cluster configuration), compared by identity: while it
   * is the same object, an object's decorated JSON may be reused. A kind that decorates without
   * saying what it reads is always encoded afresh.
   */
  decorationInputs?(): unknown;
}
