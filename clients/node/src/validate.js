// Record validation in the order of docs/records.md §6, as a DHT node runs
// it: a client can check what it reads (FindProviders, Resolve) for itself.

import { dhtKey } from './canonical.js';
import { nowUs, toBytes, toU64 } from './bytes.js';
import { NAMESPACES, RecordTooLarge, fail } from './namespaces.js';
import { decodeRecord, encodeRecord, verifyCountersignature, verifyRecordSignature } from './records.js';

/** Largest encoded record: the transport's 8192-byte datagram less framing. */
export const MAX_RECORD_BYTES = 7000;
/** Clock skew allowed for issued_at_us ahead of now. */
export const MAX_CLOCK_SKEW_US = 300n * 1_000_000n;
export const MAX_KEY_BYTES = 256;
export const MAX_COUNTERSIGNATURES = 4;

/**
 * @typedef {object} ValidateOptions
 * @property {Uint8Array | string} [dhtKey] the DHT key the record came under (default: its own)
 * @property {bigint | number | string} [nowUs] the time to check at (default: now)
 * @property {Iterable<Uint8Array | string>} [trustedRegistrars] registrar keys for handle records
 */

/**
 * The record encoded in `bytes` if it is valid; otherwise throws
 * InvalidRecord (or RecordTooLarge) whose `rule` names the check failed.
 * @param {Uint8Array} bytes the encoded SignedRecord
 * @param {ValidateOptions} [options]
 * @returns {import('./records.js').SignedRecord}
 */
export function validateRecord(bytes, options = {}) {
  if (bytes.length > MAX_RECORD_BYTES) {
    throw new RecordTooLarge(`the encoded record is ${bytes.length} bytes, over the limit of ${MAX_RECORD_BYTES}`);
  }
  let record;
  try {
    record = decodeRecord(bytes);
  } catch {
    return fail('malformed', 'the bytes are not a SignedRecord');
  }
  if (!encodeRecord(record).equals(Buffer.from(bytes))) {
    fail('malformed', 'the bytes are not the canonical encoding of their SignedRecord');
  }
  const spec = NAMESPACES.get(record.namespace);
  if (!spec) fail('unknown_namespace', `namespace ${JSON.stringify(record.namespace)} is not registered`);
  if (options.dhtKey !== undefined && !toBytes(options.dhtKey, 'dhtKey').equals(dhtKey(record.namespace, record.key))) {
    fail('wrong_dht_key', 'the record is offered under a DHT key other than SHA-1(namespace/key)');
  }
  checkShape(record);
  checkTimes(record, spec.maxTtlUs, options.nowUs === undefined ? nowUs() : toU64(options.nowUs, 'nowUs'));
  checkCountersignatureShape(record);
  const trusted = new Set([...(options.trustedRegistrars ?? [])].map((k) => toBytes(k, 'registrar key').toString('hex')));
  spec.validate(record, { trustedRegistrars: trusted });
  if (!verifyRecordSignature(record)) fail('signature', 'the signature does not verify over the signing bytes');
  for (const cs of record.countersignatures) {
    if (!verifyCountersignature(record, cs)) {
      fail('countersignature_invalid', `the countersignature by ${cs.signer.toString('hex')} does not verify`);
    }
  }
  return record;
}

/** @param {import('./records.js').SignedRecord} record */
function checkShape(record) {
  if (record.key.length === 0 || record.key.length > MAX_KEY_BYTES) {
    fail('key_length', `the record key is ${record.key.length} bytes; allowed 1 to ${MAX_KEY_BYTES}`);
  }
  if (record.signer.length !== 32) fail('signer_length', `the signer is ${record.signer.length} bytes, not 32`);
  if (record.signature.length !== 64) {
    fail('signature_length', `the signature is ${record.signature.length} bytes, not 64`);
  }
}

/**
 * @param {import('./records.js').SignedRecord} record
 * @param {bigint} maxTtlUs
 * @param {bigint} now
 */
function checkTimes(record, maxTtlUs, now) {
  const issued = BigInt(record.issuedAtUs);
  const expires = BigInt(record.expiresAtUs);
  if (expires <= issued) fail('expiry_before_issue', 'expires_at_us is not after issued_at_us');
  if (issued > now + MAX_CLOCK_SKEW_US) fail('issued_in_future', 'issued_at_us is more than 300 s ahead of now');
  if (expires <= now) fail('expired', 'the record has expired');
  if (expires - issued > maxTtlUs) {
    fail('lifetime', `the record lives ${expires - issued} us, over the namespace maximum of ${maxTtlUs} us`);
  }
}

/** @param {import('./records.js').SignedRecord} record */
function checkCountersignatureShape(record) {
  const list = record.countersignatures;
  if (list.length > MAX_COUNTERSIGNATURES) {
    fail('countersignature_count', `${list.length} countersignatures, over the limit of ${MAX_COUNTERSIGNATURES}`);
  }
  const seen = new Set();
  for (const cs of list) {
    if (cs.signer.length !== 32 || cs.signature.length !== 64) {
      fail('countersignature_malformed', 'a countersignature needs a 32-byte key and a 64-byte signature');
    }
    const hex = cs.signer.toString('hex');
    if (seen.has(hex)) fail('countersignature_duplicate', `key ${hex} countersigns twice`);
    seen.add(hex);
  }
}
