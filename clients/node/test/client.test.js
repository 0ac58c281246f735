// Offline checks of the Client and key files: endpoints, errors from an
// unreachable service, the key-file format of services/core/keyfile.py.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { Client, DEFAULT_ENDPOINTS, IpndhtError, RECONNECT_BACKOFF_MS, SigningKey, Status, channelOptions, loadKeyFile, loadOrCreateKeyFile, writeKeyFile } from '../src/index.js';

/**
 * A loopback TCP port nobody listens on (bound, then closed).
 * @returns {Promise<number>}
 */
function closedPort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

describe('Client', () => {
  test('endpoints default to the fixed ports unless the environment names others', () => {
    const saved = process.env.IPNDHT_HANDLES_ENDPOINT;
    try {
      delete process.env.IPNDHT_HANDLES_ENDPOINT;
      const plain = new Client({ endpoints: { discovery: 'h:1', content: 'h:3' } });
      assert.equal(plain.endpoints.handles, DEFAULT_ENDPOINTS.handles);
      plain.close();
      process.env.IPNDHT_HANDLES_ENDPOINT = '127.0.0.1:6000';
      const fromEnv = new Client();
      assert.equal(fromEnv.endpoints.handles, '127.0.0.1:6000');
      fromEnv.close();
    } finally {
      if (saved === undefined) delete process.env.IPNDHT_HANDLES_ENDPOINT;
      else process.env.IPNDHT_HANDLES_ENDPOINT = saved;
    }
  });

  test('a service nobody listens for is UNAVAILABLE as an IpndhtError after retries', async () => {
    const port = await closedPort();
    const client = new Client({ endpoints: { handles: `127.0.0.1:${port}` } });
    try {
      await assert.rejects(client.resolve('@alice.ipn', { requestId: 'feedc0de' }), (/** @type {any} */ error) => {
        assert.ok(error instanceof IpndhtError);
        assert.equal(error.code, Status.UNAVAILABLE);
        assert.equal(error.requestId, 'feedc0de');
        return true;
      });
    } finally {
      client.close();
    }
  });

  test('channels reconnect after 200 ms, backing off to at most 5 s, unless the caller says otherwise', () => {
    const opts = channelOptions('HandleRegistryService');
    assert.equal(opts['grpc.initial_reconnect_backoff_ms'], 200);
    assert.equal(opts['grpc.max_reconnect_backoff_ms'], 5000);
    assert.deepEqual(RECONNECT_BACKOFF_MS, { initial: 200, max: 5000 });
    assert.equal(opts['grpc.enable_retries'], 1);
    const config = JSON.parse(String(opts['grpc.service_config']));
    assert.equal(config.methodConfig[0].name[0].service, 'ipndht.v1.HandleRegistryService');
    const own = channelOptions('HandleRegistryService', { retry: false, channelOptions: { 'grpc.max_reconnect_backoff_ms': 1000 } });
    assert.equal(own['grpc.enable_retries'], 0);
    assert.equal(own['grpc.max_reconnect_backoff_ms'], 1000);
  });

  test('an unknown rpc name is a TypeError naming the services', () => {
    const client = new Client();
    try {
      assert.throws(() => client.call('handles', 'Nope', {}), /no rpc Nope on service handles/);
    } finally {
      client.close();
    }
  });

  test('a proto root without the contract is refused with FAILED_PRECONDITION', () => {
    assert.throws(() => new Client({ protoDir: tmpdir() }), { code: Status.FAILED_PRECONDITION });
  });
});

describe('key files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipndht-keys-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a key file holds the seed as 64 hex digits, mode 0600, and loads back', () => {
    const path = join(dir, 'sub', 'a.key');
    const key = new SigningKey('0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20');
    writeKeyFile(path, key);
    assert.equal(readFileSync(path, 'ascii'), `${key.seed.toString('hex')}\n`);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(loadKeyFile(path).publicKeyHex, '79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664');
  });

  test('an existing key file is never overwritten', () => {
    const path = join(dir, 'b.key');
    const first = loadOrCreateKeyFile(path);
    assert.equal(loadOrCreateKeyFile(path).publicKeyHex, first.publicKeyHex);
    assert.throws(() => writeKeyFile(path, first), { code: Status.FAILED_PRECONDITION });
  });

  test('a key file that is not a seed is refused with FAILED_PRECONDITION naming the file', () => {
    const path = join(dir, 'bad.key');
    writeFileSync(path, 'not a seed\n');
    assert.throws(() => loadKeyFile(path), (/** @type {any} */ e) => e.code === Status.FAILED_PRECONDITION && e.details.includes(path));
    assert.throws(() => loadOrCreateKeyFile(path), { code: Status.FAILED_PRECONDITION });
  });
});
