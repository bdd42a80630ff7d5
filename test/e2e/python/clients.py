"""What the Python clients do against the server, as a user's script would: the official client's
watch (it sends watch=True and allowWatchBookmarks=True) and the bookmarks it asks for, the OpenShift
dynamic client's watch by name, and server-side apply with force. Prints one JSON object with what each saw."""
import json
import sys

from kubernetes import client, config, watch
from openshift.dynamic import DynamicClient

kubeconfig, ns = sys.argv[1], sys.argv[2]
api = config.new_client_from_config(config_file=kubeconfig)
objects = client.CustomObjectsApi(api)
group, version, plural = 'image.openshift.io', 'v1', 'imagestreams'
out = {}

objects.create_namespaced_custom_object(group, version, ns, plural, {
    'apiVersion': 'image.openshift.io/v1', 'kind': 'ImageStream', 'metadata': {'name': 'py-one'}})

w = watch.Watch()
seen = []
for event in w.stream(objects.list_namespaced_custom_object, group, version, ns, plural,
                      timeout_seconds=5, allow_watch_bookmarks=True):
    seen.append([event['type'], event['object']['metadata']['name']])
    w.stop()
out['watch'] = seen

# A watch that allows bookmarks receives them (the server sends one a second in this test).
types = []
for event in watch.Watch().stream(objects.list_namespaced_custom_object, group, version, ns, plural,
                                  timeout_seconds=3, allow_watch_bookmarks=True):
    types.append(event['type'])
    if event['type'] == 'BOOKMARK':
        break
out['bookmarked'] = types

dyn = DynamicClient(api)
streams = dyn.resources.get(api_version='image.openshift.io/v1', kind='ImageStream')
by_name = []
for event in dyn.watch(streams, namespace=ns, name='py-one', timeout=5):
    by_name.append([event['type'], event['object'].metadata.name])
    break
out['dynamicWatch'] = by_name

# This client version sends an apply patch only when given as text (JSON is YAML).
applied = dyn.server_side_apply(streams, body=json.dumps({
    'apiVersion': 'image.openshift.io/v1', 'kind': 'ImageStream',
    'metadata': {'name': 'py-one', 'labels': {'app': 'py'}}}), name='py-one', namespace=ns, field_manager='py-script', force_conflicts=True)
out['applied'] = {'labels': dict(applied.metadata.labels or {}),
                  'managers': sorted(m.manager for m in applied.metadata.managedFields or [])}
print(json.dumps(out))
