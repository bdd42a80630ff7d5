/** core/v1 Event: what `kubectl events` lists and `kubectl describe` prints under an object. */
import { Type, type Static } from '@sinclair/typebox';
import { named, objectHeader, Time, type KubeObject } from '../../api/meta.js';
import { ObjectReference } from './object-reference.js';

const MicroTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
  description: 'Time when this Event was first observed.',
});

export const EventSource = named(
  'io.k8s.api.core.v1.EventSource',
  Type.Object(
    {
      component: Type.Optional(Type.String({ description: 'Component from which the event is generated.' })),
      host: Type.Optional(Type.String({ description: 'Node name on which the event is generated.' })),
    },
    { description: 'EventSource contains information for an event.' },
  ),
);

export const EventSeries = named(
  'io.k8s.api.core.v1.EventSeries',
  Type.Object(
    {
      count: Type.Optional(Type.Integer({ format: 'int32', description: 'Number of occurrences in this series up to the last heartbeat time' })),
      lastObservedTime: Type.Optional(Type.String({ format: 'date-time', description: 'Time of the last occurrence observed' })),
    },
    { description: 'EventSeries contain information on series of events, i.e. thing that was/is happening continuously for some time.' },
  ),
);

export const Event = named(
  'io.k8s.api.core.v1.Event',
  Type.Object(
    {
      ...objectHeader(),
      involvedObject: { ...ObjectReference, description: 'The object that this event is about.' },
      reason: Type.Optional(
        Type.String({
          description: "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
        }),
      ),
      message: Type.Optional(Type.String({ description: 'A human-readable description of the status of this operation.' })),
      source: Type.Optional({ ...EventSource, description: 'The component reporting this event. Should be a short machine understandable string.' }),
      firstTimestamp: Type.Optional(
        Type.Union([{ ...Time }, Type.Null()], { description: 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)' }),
      ),
      lastTimestamp: Type.Optional(
        Type.Union([{ ...Time }, Type.Null()], { description: 'The time at which the most recent occurrence of this event was recorded.' }),
      ),
      count: Type.Optional(Type.Integer({ format: 'int32', description: 'The number of times this event has occurred.' })),
      type: Type.Optional(Type.String({ description: 'Type of this event (Normal, Warning), new types could be added in the future' })),
      eventTime: Type.Optional(MicroTime),
      series: Type.Optional({ ...EventSeries, description: "Data about the Event series this event represents or nil if it's a singleton Event." }),
      action: Type.Optional(Type.String({ description: 'What action was taken/failed regarding to the Regarding object.' })),
      related: Type.Optional({ ...ObjectReference, description: 'Optional secondary object for more complex actions.' }),
      reportingComponent: Type.Optional(Type.String({ description: 'Name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`.' })),
      reportingInstance: Type.Optional(Type.String({ description: 'ID of the controller instance, e.g. `kubelet-xyzf`.' })),
    },
    { description: 'Event is a report of an event somewhere in the cluster.' },
  ),
);
export type Event = Static<typeof Event> & KubeObject;
