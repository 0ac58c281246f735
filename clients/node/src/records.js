// Signed records (docs/records.md): build and sign, countersign, encode to
// and decode from the canonical wire form, verify signatures.
//
// A record is a plain object shaped like the gRPC SignedRecord message:
// {namespace, key, value, signer, seq, issuedAtUs, expiresAtUs, signature,
// countersignatures: [{signer, signature}]}, bytes as Buffers and uint64
// fields as decimal strings. Records returned by the services have that
// shape already and can be passed back in.

import { countersigningBytes, dhtKey, signingBytes } from './canonical.js';
import { toBytes, toU64 } from './bytes.js';
import { invalidArgument } from './errors.js';
import { verifySignature } from './keys.js';
import { decodeMessage, encodeMessage } from './messages.js';

export const SIGNED_RECORD = 'ipndht.v1.SignedRecord';

/**
 * @typedef {object} Countersignature
 * @property {Buffer} signer
 * @property {Buffer} signature
 */

/**
 * @typedef {object} SignedRecord
 * @property {string} namespace
 * @property {Buffer} key
 * @property {Buffer} value
 * @property {Buffer} signer
 * @property {string} seq
 * @property {string} issuedAtUs
 * @property {string} expiresAtUs
 * @property {Buffer} signature
 * @property {Countersignature[]} countersignatures
 */

/**
 * @typedef {object} UnsignedFields
 * @property {string} namespace
 * @property {Uint8Array | string} key bytes, or a string taken as its UTF-8 bytes
 * @property {Uint8Array} value the serialised payload message
 * @property {bigint | number | string} seq
 * @property {bigint | number | string} issuedAtUs
 * @property {bigint | number | string} expiresAtUs
 */

/**
 * The record with `fields`, signed by `signingKey` over the canonical
 * signing bytes.
 * @param {import('./keys.js').SigningKey} signingKey
 * @param {UnsignedFields} fields
 * @returns {SignedRecord}
 */
export function signRecord(signingKey, fields) {
  if (typeof fields.namespace !== 'string' || fields.namespace === '') {
    throw invalidArgument('a record needs a namespace');
  }
  /** @type {SignedRecord} */
  const record = {
    namespace: fields.namespace,
    key: typeof fields.key === 'string' ? Buffer.from(fields.key, 'utf8') : toBytes(fields.key, 'key'),
    value: toBytes(fields.value, 'value'),
    signer: Buffer.from(signingKey.publicKey),
    seq: toU64(fields.seq, 'seq').toString(),
    issuedAtUs: toU64(fields.issuedAtUs, 'issuedAtUs').toString(),
    expiresAtUs: toU64(fields.expiresAtUs, 'expiresAtUs').toString(),
    signature: Buffer.alloc(0),
    countersignatures: [],
  };
  record.signature = signingKey.sign(signingBytes(record));
  return record;
}

/**
 * A copy of `record` with `signingKey`'s countersignature appended.
 * @param {SignedRecord} record
 * @param {import('./keys.js').SigningKey} signingKey
 * @returns {SignedRecord}
 */
export function countersign(record, signingKey) {
  const signature = signingKey.sign(countersigningBytes(record));
  return {
    ...record,
    countersignatures: [...record.countersignatures, { signer: Buffer.from(signingKey.publicKey), signature }],
  };
}

/**
 * The canonical wire form of `record` (SignedRecord protobuf encoding).
 * @param {SignedRecord} record
 * @param {string} [dir] proto root
 * @returns {Buffer}
 */
export function encodeRecord(record, dir) {
  return encodeMessage(SIGNED_RECORD, record, dir);
}

/**
 * The record encoded in `bytes`; INVALID_ARGUMENT when they are not one.
 * @param {Uint8Array} bytes
 * @param {string} [dir] proto root
 * @returns {SignedRecord}
 */
export function decodeRecord(bytes, dir) {
  return /** @type {SignedRecord} */ (decodeMessage(SIGNED_RECORD, bytes, dir));
}

/**
 * True when the signer's signature verifies over the signing bytes.
 * @param {SignedRecord} record
 * @returns {boolean}
 */
export function verifyRecordSignature(record) {
  return verifySignature(record.signer, signingBytes(record), record.signature);
}

/**
 * True when countersignature `cs` verifies over the record's countersigning bytes.
 * @param {SignedRecord} record
 * @param {Countersignature} cs
 * @returns {boolean}
 */
export function verifyCountersignature(record, cs) {
  return verifySignature(cs.signer, countersigningBytes(record), cs.signature);
}

/**
 * The 20-byte DHT key of `record`.
 * @param {SignedRecord} record
 * @returns {Buffer}
 */
export function recordDhtKey(record) {
  return dhtKey(record.namespace, record.key);
}
