"""Signed records: the envelope of every DHT value (docs/records.md).

- ``model``: the ``Record`` envelope, its protobuf wire form, DHT keys.
- ``canonical``: the language-neutral bytes that signatures cover.
- ``keys``: Ed25519 helpers; ``signing``: sign, countersign, verify.
- ``validation``, ``registry``, ``namespaces``: the rules, by namespace.
- ``rules``: ``SignedRecordPolicy``, the ``policy.RecordPolicy`` of the DHT node.
- ``limits``: every number above, with why its value.
"""
