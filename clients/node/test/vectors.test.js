// Offline checks of the signing code against tests/vectors/records.json
// (docs/records.md) and tests/vectors/clients.json (what the Python SDK and
// the content service compute).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import {
  InvalidRecord,
  RecordTooLarge,
  SigningKey,
  announcementTimer,
  content,
  countersign,
  countersigningBytes,
  createHashTimer,
  decodeMessage,
  decodeRecord,
  dhtKey,
  dhtKeyMaterial,
  encodeMessage,
  encodeRecord,
  handles,
  parseHashTimer,
  signRecord,
  signingBytes,
  validateRecord,
  verifyRecordSignature,
} from '../src/index.js';

const VECTORS = new URL('../../../tests/vectors/', import.meta.url);
const records = JSON.parse(readFileSync(new URL('records.json', VECTORS), 'utf8'));
const clients = JSON.parse(readFileSync(new URL('clients.json', VECTORS), 'utf8'));
const keyOf = (/** @type {string} */ name) => new SigningKey(records.keys[name].seed_hex);
const hex = (/** @type {Uint8Array} */ bytes) => Buffer.from(bytes).toString('hex');
const PAYLOAD_TYPES = {
  handle: 'ipndht.v1.HandleRecord',
  provider: 'ipndht.v1.ProviderRecord',
  resource: 'ipndht.v1.ResourceRecord',
  peer: 'ipndht.v1.Peer',
};

describe('records.json keys', () => {
  for (const [name, key] of Object.entries(records.keys)) {
    test(`seed of ${name} gives its public key`, () => {
      assert.equal(new SigningKey(key.seed_hex).publicKeyHex, key.public_hex);
    });
  }
});

describe('records.json valid vectors', () => {
  for (const v of records.valid) {
    test(`${v.name}: re-signed from its seed byte for byte`, () => {
      let record = signRecord(keyOf(v.signer_name), {
        namespace: v.namespace,
        key: Buffer.from(v.key_hex, 'hex'),
        value: Buffer.from(v.value_hex, 'hex'),
        seq: BigInt(v.seq),
        issuedAtUs: BigInt(v.issued_at_us),
        expiresAtUs: BigInt(v.expires_at_us),
      });
      assert.equal(hex(signingBytes(record)), v.signing_bytes_hex);
      assert.equal(hex(record.signature), v.signature_hex);
      for (const cs of v.countersignatures) {
        assert.equal(hex(countersigningBytes(record)), cs.countersigning_bytes_hex);
        record = countersign(record, keyOf(cs.signer_name));
        assert.equal(hex(record.countersignatures.at(-1).signature), cs.signature_hex);
      }
      assert.equal(hex(encodeRecord(record)), v.encoded_hex);
      assert.equal(hex(dhtKeyMaterial(v.namespace, record.key)), v.dht_key_material_hex);
      assert.equal(hex(dhtKey(v.namespace, record.key)), v.dht_key_hex);
    });

    test(`${v.name}: payload re-encodes from its JSON form to value_hex`, () => {
      const type = PAYLOAD_TYPES[v.namespace];
      assert.equal(v.payload_type, type);
      const payload = decodeMessage(type, Buffer.from(v.value_hex, 'hex'));
      assert.equal(hex(encodeMessage(type, payload)), v.value_hex);
    });

    test(`${v.name}: accepted under its DHT key at now_us`, () => {
      const record = validateRecord(Buffer.from(v.encoded_hex, 'hex'), {
        dhtKey: v.dht_key_hex,
        nowUs: BigInt(records.now_us),
        trustedRegistrars: records.trusted_registrars_hex,
      });
      assert.equal(record.seq, String(v.seq));
      assert.ok(verifyRecordSignature(record));
      assert.equal(hex(encodeRecord(decodeRecord(Buffer.from(v.encoded_hex, 'hex')))), v.encoded_hex);
    });
  }
});

describe('records.json invalid vectors', () => {
  for (const v of records.invalid) {
    test(`${v.name}: refused as ${v.error} (${v.rule})`, () => {
      const options = {
        dhtKey: v.dht_key_hex,
        nowUs: BigInt(records.now_us),
        trustedRegistrars: v.trusted_registrars_hex ?? records.trusted_registrars_hex,
      };
      assert.throws(
        () => validateRecord(Buffer.from(v.encoded_hex, 'hex'), options),
        (/** @type {any} */ error) => {
          assert.ok(error instanceof InvalidRecord, `not an InvalidRecord: ${error}`);
          assert.equal(error instanceof RecordTooLarge, v.error === 'RecordTooLarge');
          assert.equal(error.rule, v.rule, error.message);
          return true;
        },
      );
    });
  }
});

describe('clients.json HashTimers', () => {
  for (const v of clients.hash_timers) {
    test(`HashTimer of ${v.payload_hex.length / 2} bytes at ${v.time_us}`, () => {
      const timer = createHashTimer(BigInt(v.time_us), Buffer.from(v.payload_hex, 'hex'));
      assert.deepEqual(timer, { hex: v.hex, timeUs: v.time_us });
      assert.deepEqual(parseHashTimer(v.hex), timer);
    });
  }
  for (const v of clients.announcement_timers) {
    test(`announcement HashTimer of a ${v.namespace} record at seq ${v.seq}`, () => {
      const timer = announcementTimer(
        v.namespace,
        Buffer.from(v.signer_hex, 'hex'),
        Buffer.from(v.key_hex, 'hex'),
        v.seq,
        v.issued_at_us,
      );
      assert.deepEqual(timer, { hex: v.hex, timeUs: v.time_us });
    });
  }
  test('a HashTimer time over 56 bits is refused with INVALID_ARGUMENT', () => {
    assert.throws(() => createHashTimer(1n << 56n, Buffer.alloc(0)), { name: 'IpndhtError', code: 3 });
  });
  test('a HashTimer text that is not 64 lower-case hex digits is refused', () => {
    assert.throws(() => parseHashTimer('00'), { code: 3 });
    assert.throws(() => parseHashTimer('G'.repeat(64)), { code: 3 });
  });
});

describe('clients.json SDK records', () => {
  /** @type {Map<string, any>} */
  const built = new Map();
  const rows = new Map(clients.sdk_records.map((/** @type {any} */ r) => [r.name, r]));
  /** @param {any} i */
  const contentOf = (i) => content.hashBytes(Buffer.from(i.data_hex, 'hex'), `HASH_ALGORITHM_${i.algorithm}`);
  /** @type {Record<string, (i: any) => any>} */
  const builders = {
    register: (i) => handles.register(keyOf(i.signer), i.handle, {
      addresses: i.addresses, metadata: i.metadata, issuedAtUs: i.issued_at_us, expiresAtUs: i.expires_at_us,
    }),
    update: (i) => handles.update(keyOf(i.signer), built.get(i.current), { addresses: i.addresses, issuedAtUs: i.issued_at_us }),
    transfer: (i) => handles.transfer(keyOf(i.signer), built.get(i.current), keyOf(i.new_owner).publicKey, { issuedAtUs: i.issued_at_us }),
    renew: (i) => handles.renew(keyOf(i.signer), built.get(i.current), { issuedAtUs: i.issued_at_us, expiresAtUs: i.expires_at_us }),
    release: (i) => handles.release(keyOf(i.signer), built.get(i.current), { issuedAtUs: i.issued_at_us }),
    provide: (i) => content.providerRecord(keyOf(i.signer), contentOf(i), i.addresses, {
      seq: i.seq, sizeBytes: i.size_bytes, ttlS: i.ttl_s, issuedAtUs: i.issued_at_us,
    }),
    withdraw: (i) => content.withdrawal(keyOf(i.signer), contentOf(i), { seq: i.seq, ttlS: i.ttl_s, issuedAtUs: i.issued_at_us }),
    resource: (i) => content.resourceRecord(keyOf(i.signer), i.type, i.id, Buffer.from(i.data_hex, 'hex'), i.attributes, {
      ttlS: i.ttl_s, issuedAtUs: i.issued_at_us,
    }),
  };
  for (const [name, build] of Object.entries(builders)) {
    test(`${name}: built byte for byte as the Python SDK builds it`, () => {
      const row = rows.get(name);
      assert.ok(row, `no vector ${name}`);
      const record = build(row.inputs);
      built.set(name, record);
      assert.equal(hex(encodeRecord(record)), row.encoded_hex);
      assert.ok(verifyRecordSignature(record));
    });
  }
});

describe('handle names', () => {
  test('a handle is folded to lower case', () => {
    assert.equal(handles.normalizeHandle('@Alice_01.IPN'), '@alice_01.ipn');
  });
  for (const bad of ['', 'alice.ipn', '@al.ipn', '@a lice.ipn', '@-alice.ipn', '@al--ice.ipn', '@xn--alice.ipn', '@аlice.ipn']) {
    test(`handle ${JSON.stringify(bad)} is refused with INVALID_ARGUMENT naming the rule`, () => {
      assert.throws(() => handles.normalizeHandle(bad), (/** @type {any} */ e) => e.code === 3 && /rule: /.test(e.details));
    });
  }
});
