/**
 * events.k8s.io/v1 events: the same events as core/v1's, read and written in the newer shape. One
 * store holds both, as in kube-apiserver; this kind converts on the way in and out.
 */
import { ALL_VERBS, type ResourceInfo } from '../../../api/resource-info.js';
import { EVENTS_PRESENCE } from '../../../apis/events/presence.js';
import { EventV1 } from '../../../apis/events/event.js';
import type { ResourceDefinition } from '../../installer.js';
import { createEventV1Handler } from './rest.js';
import { eventV1Columns } from './table.js';

export const eventsV1Info: ResourceInfo = {
  group: 'events.k8s.io',
  version: 'v1',
  presence: EVENTS_PRESENCE,
  resource: 'events',
  singular: 'event',
  kind: 'Event',
  listKind: 'EventList',
  namespaced: true,
  shortNames: ['ev'],
  categories: [],
  verbs: ALL_VERBS.filter((v) => v !== 'patch'),
  subresources: [],
  selectableFields: [
    'regarding.kind',
    'regarding.namespace',
    'regarding.name',
    'regarding.uid',
    'regarding.apiVersion',
    'regarding.resourceVersion',
    'regarding.fieldPath',
    'reason',
    'reportingController',
    'type',
  ],
  schema: EventV1,
};

export const eventsV1: ResourceDefinition = {
  infos: [eventsV1Info],
  install(api) {
    api.serve(createEventV1Handler(eventsV1Info, api.need('eventStore'), eventV1Columns));
  },
};
