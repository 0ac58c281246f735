// End to end against a running system at IPNDHT_DISCOVERY_ENDPOINT,
// IPNDHT_HANDLES_ENDPOINT and IPNDHT_CONTENT_ENDPOINT (started by
// tests/integration/clients/test_node_client.py).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import {
  Client,
  IpndhtError,
  Status,
  content,
  decodeMessage,
  encodeRecord,
  generateKey,
  handles,
  validateRecord,
} from '../src/index.js';

/** How long a read waits for a write to show (DHT and index hand-offs). */
const SETTLE_MS = 20_000;
const POLL_MS = 200;

/**
 * Poll `probe` until it returns a truthy value or SETTLE_MS passes.
 * @template T
 * @param {() => Promise<T>} probe
 * @returns {Promise<T>}
 */
async function eventually(probe) {
  const end = Date.now() + SETTLE_MS;
  for (;;) {
    const value = await probe();
    if (value || Date.now() > end) return value;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

for (const name of ['IPNDHT_DISCOVERY_ENDPOINT', 'IPNDHT_HANDLES_ENDPOINT', 'IPNDHT_CONTENT_ENDPOINT']) {
  if (!process.env[name]) throw new Error(`${name} is not set: run against a running system`);
}

describe('against a running system', () => {
  /** @type {Client} */
  let client;
  const owner = generateKey();
  const handle = `@node-${randomBytes(4).toString('hex')}.ipn`;

  before(() => {
    client = new Client();
  });
  after(() => client.close());

  test('the client takes its endpoints from the environment', () => {
    assert.equal(client.endpoints.handles, process.env.IPNDHT_HANDLES_ENDPOINT);
    assert.equal(client.endpoints.content, process.env.IPNDHT_CONTENT_ENDPOINT);
  });

  test('discovery answers GetStatus with enough live peers', async () => {
    const status = await client.getStatus();
    assert.ok(status.livePeers >= status.minPeers, `live ${status.livePeers} < min ${status.minPeers}`);
  });

  test('a registered handle resolves to its owner key, countersigned by the registrar', async () => {
    const registered = await client.register(handles.register(owner, handle, { addresses: ['tcp://127.0.0.1:4001'] }));
    assert.equal(registered.record.seq, '1');
    assert.equal(registered.record.countersignatures.length, 1);
    const info = await client.getRegistrarInfo();
    const resolved = await client.resolve(handle.toUpperCase());
    assert.equal(resolved.kind, 'QUERY_KIND_HANDLE');
    assert.equal(resolved.handle, handle);
    assert.ok(resolved.publicKey.equals(owner.publicKey));
    // The record the registry returns passes this client's own validation.
    validateRecord(encodeRecord(resolved.record), { trustedRegistrars: info.trustedRegistrars });
  });

  test('an update is signed at seq + 1 and seen by resolve', async () => {
    const current = (await client.resolve(handle)).record;
    const updated = await client.update(handles.update(owner, current, { addresses: ['tcp://127.0.0.1:4002'] }));
    assert.equal(updated.record.seq, '2');
    const seen = await eventually(async () => {
      const { record } = await client.resolve(handle);
      return record.seq === '2' ? record : null;
    });
    assert.ok(seen, 'resolve never showed seq 2');
  });

  test('a write at a stale seq is ABORTED and carries the current seq', async () => {
    const { record } = await client.resolve(handle);
    const stale = { ...record, seq: '1' };
    await assert.rejects(client.update(handles.update(owner, stale)), (/** @type {any} */ error) => {
      assert.ok(error instanceof IpndhtError);
      assert.equal(error.code, Status.ABORTED);
      assert.equal(error.currentSeq, '2');
      return true;
    });
  });

  test('a bad handle is INVALID_ARGUMENT as an IpndhtError with a request id', async () => {
    await assert.rejects(client.resolve('@x!.ipn'), (/** @type {any} */ error) => {
      assert.ok(error instanceof IpndhtError);
      assert.equal(error.code, Status.INVALID_ARGUMENT);
      assert.equal(error.codeName, 'INVALID_ARGUMENT');
      assert.ok(error.details.length > 0);
      assert.match(error.requestId, /^[0-9a-f]+$/);
      return true;
    });
  });

  test('provided content is found among its providers and listed in the timeline', async () => {
    const provider = generateKey();
    const data = randomBytes(64);
    const hash = content.hashBytes(data);
    const record = content.providerRecord(provider, hash, ['tcp://127.0.0.1:4001'], { sizeBytes: data.length });
    const answer = await client.provide(record);
    const mine = providerTimer(record);
    assert.equal(answer.hashTimer.hex, mine, 'the service assigned another HashTimer than the client computed');

    const providers = await eventually(async () => {
      const found = await client.findProviders(hash);
      return found.some((p) => p.providerKey.equals(provider.publicKey)) ? found : null;
    });
    assert.ok(providers, 'FindProviders never listed the provider');

    const since = BigInt(record.issuedAtUs);
    const listed = await eventually(async () => {
      const page = await client.listContent({ sinceUs: since, untilUs: since + 1n, limit: 100 });
      return page.entries.find((e) => e.providerKey.equals(provider.publicKey)) ?? null;
    });
    assert.ok(listed, 'ListContent never listed the announcement');
    assert.equal(listed.hashTimer.hex, mine);
    assert.ok(listed.content.digest.equals(hash.digest));
  });
});

/**
 * The HashTimer the client put in a provider record.
 * @param {import('../src/records.js').SignedRecord} record
 * @returns {string}
 */
function providerTimer(record) {
  return decodeMessage('ipndht.v1.ProviderRecord', record.value).hashTimer.hex;
}
