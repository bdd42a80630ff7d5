/**
 * events (v1): what happened to an object, for `kubectl events` and the end of `kubectl describe`.
 * The import controllers record them; they expire after an hour, as kube-apiserver's do.
 */
import { CORE_PRESENCE } from '../../../apis/core/presence.js';
import { ALL_VERBS, type ResourceInfo } from '../../../api/resource-info.js';
import { Event } from '../../../apis/core/event.js';
import type { ResourceStore } from '../../../apiserver/generic/resource-store.js';
import { createStoredHandler } from '../../../apiserver/generic/stored-handler.js';
import type { ResourceDefinition } from '../../installer.js';
import { createEventRecorder, removeExpiredEvents, type EventRecorder } from './recorder.js';
import { createEventStrategy } from './strategy.js';
import { eventColumns } from './table.js';

declare module '../../installer.js' {
  interface Services {
    /** Records events as the server's controllers (component `image-import-controller`). */
    events: EventRecorder;
    /** The one event store, which events.k8s.io/v1 serves too. */
    eventStore: ResourceStore<Event>;
  }
}

/** How long an event is kept after its last occurrence (kube-apiserver's --event-ttl default). */
const EVENT_TTL_MS = 60 * 60 * 1000;
const SWEEP_MS = 5 * 60 * 1000;

export const eventsInfo: ResourceInfo = {
  group: '',
  version: 'v1',
  presence: CORE_PRESENCE,
  resource: 'events',
  singular: 'event',
  kind: 'Event',
  listKind: 'EventList',
  namespaced: true,
  shortNames: ['ev'],
  categories: [],
  verbs: ALL_VERBS,
  subresources: [],
  // What kubectl describe and kubectl events select on.
  selectableFields: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'type',
  ],
  schema: Event,
};

export const events: ResourceDefinition = {
  infos: [eventsInfo],
  install(api) {
    const store = api.stored<Event>(eventsInfo, createEventStrategy());
    api.provide('eventStore', store);
    api.provide('events', createEventRecorder(store, 'image-import-controller', api.logger));
    api.serve(createStoredHandler({ store, schema: Event, columns: eventColumns }));
    api.controller(() => {
      let timer: NodeJS.Timeout | undefined;
      const sweep = () => void removeExpiredEvents(store, EVENT_TTL_MS).catch((err: unknown) => api.logger.warn({ err }, 'removing expired events failed'));
      return {
        start() {
          timer = setInterval(sweep, SWEEP_MS);
          timer.unref();
        },
        stop() {
          clearInterval(timer);
        },
      };
    });
  },
};
