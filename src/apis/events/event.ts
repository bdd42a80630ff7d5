/**
 * events.k8s.io/v1 Event: the newer shape of core/v1's Event, stored as one (kube-apiserver keeps
 * both in one store). `regarding`, `note` and `reportingController` are core's `involvedObject`,
 * `message` and `reportingComponent`; core's counters and timestamps are `deprecated*` here.
 */
import { Type, type Static } from '@sinclair/typebox';
import { named, objectHeader, Time, type KubeObject } from '../../api/meta.js';
import { EventSource } from '../core/event.js';
import { ObjectReference } from '../core/object-reference.js';
import type { Event as CoreEvent } from '../core/event.js';

export const EventSeries = named(
  'io.k8s.api.events.v1.EventSeries',
  Type.Object(
    {
      count: Type.Integer({ format: 'int32', description: 'count is the number of occurrences in this series up to the last heartbeat time.' }),
      lastObservedTime: Type.String({
        format: 'date-time',
        description: 'lastObservedTime is the time when last Event from the series was seen before last heartbeat.',
      }),
    },
    { description: 'EventSeries contain information on series of events, i.e. thing that was/is happening continuously for some time.' },
  ),
);

const timeOrNull = (description: string) => Type.Optional(Type.Union([{ ...Time }, Type.Null()], { description }));

export const EventV1 = named(
  'io.k8s.api.events.v1.Event',
  Type.Object(
    {
      ...objectHeader(),
      eventTime: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
        description: 'eventTime is the time when this Event was first observed. It is required.',
      }),
      series: Type.Optional({ ...EventSeries, description: "series is data about the Event series this event represents or nil if it's a singleton Event." }),
      reportingController: Type.Optional(
        Type.String({ description: 'reportingController is the name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`.' }),
      ),
      reportingInstance: Type.Optional(Type.String({ description: 'reportingInstance is the ID of the controller instance, e.g. `kubelet-xyzf`.' })),
      action: Type.Optional(Type.String({ description: 'action is what action was taken/failed regarding to the regarding object.' })),
      reason: Type.Optional(Type.String({ description: 'reason is why the action was taken. It is human-readable.' })),
      regarding: Type.Optional({ ...ObjectReference, description: 'regarding contains the object this Event is about.' }),
      related: Type.Optional({ ...ObjectReference, description: 'related is the optional secondary object for more complex actions.' }),
      note: Type.Optional(Type.String({ description: 'note is a human-readable description of the status of this operation.' })),
      type: Type.Optional(Type.String({ description: 'type is the type of this event (Normal, Warning), new types could be added in the future.' })),
      deprecatedSource: Type.Optional({
        ...EventSource,
        description: 'deprecatedSource is the deprecated field assuring backward compatibility with core.v1 Event type.',
      }),
      deprecatedFirstTimestamp: timeOrNull('deprecatedFirstTimestamp is the deprecated field assuring backward compatibility with core.v1 Event type.'),
      deprecatedLastTimestamp: timeOrNull('deprecatedLastTimestamp is the deprecated field assuring backward compatibility with core.v1 Event type.'),
      deprecatedCount: Type.Optional(
        Type.Integer({ format: 'int32', description: 'deprecatedCount is the deprecated field assuring backward compatibility with core.v1 Event type.' }),
      ),
    },
    {
      description:
        'Event is a report of an event somewhere in the cluster. It generally denotes some state change in the system. Events have a limited retention time and triggers and messages may evolve with time.',
    },
  ),
);
export type EventV1 = Static<typeof EventV1> & KubeObject;

/** Core's field selector names as this version spells them. */
export const FIELD_NAMES_FROM_CORE: Readonly<Record<string, string>> = {
  'involvedObject.kind': 'regarding.kind',
  'involvedObject.namespace': 'regarding.namespace',
  'involvedObject.name': 'regarding.name',
  'involvedObject.uid': 'regarding.uid',
  'involvedObject.apiVersion': 'regarding.apiVersion',
  'involvedObject.resourceVersion': 'regarding.resourceVersion',
  'involvedObject.fieldPath': 'regarding.fieldPath',
  reportingComponent: 'reportingController',
};

type Fields = Record<string, unknown>;

/** Copies the fields that are set, under their names in the other version. */
function rename(from: Fields, pairs: readonly (readonly [string, string])[]): Fields {
  const out: Fields = {};
  for (const [a, b] of pairs) if (from[a] !== undefined) out[b] = from[a];
  return out;
}

const PAIRS: readonly (readonly [core: string, v1: string])[] = [
  ['eventTime', 'eventTime'],
  ['series', 'series'],
  ['reportingComponent', 'reportingController'],
  ['reportingInstance', 'reportingInstance'],
  ['action', 'action'],
  ['reason', 'reason'],
  ['involvedObject', 'regarding'],
  ['related', 'related'],
  ['message', 'note'],
  ['type', 'type'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
];

export function eventFromCore(e: CoreEvent): EventV1 {
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: e.metadata,
    ...rename(e as unknown as Fields, PAIRS),
  } as EventV1;
}

export function eventToCore(e: EventV1): CoreEvent {
  const swapped = PAIRS.map(([core, v1]) => [v1, core] as const);
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: e.metadata,
    involvedObject: {},
    ...rename(e as unknown as Fields, swapped),
  } as CoreEvent;
}
