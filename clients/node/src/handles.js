// Owner-signed handle records for the handle registry's write RPCs, as the
// Python SDK builds them (clients/python/ipndht_client/handles.py,
// docs/handles.md): namespace "handle", key the normalised handle, value a
// HandleRecord, signed by the owner key. The registry adds its
// countersignature. Writes after the first take the handle's current record
// (from resolve) and sign seq + 1.

import { nowUs, toBytes, toU64 } from './bytes.js';
import { invalidArgument } from './errors.js';
import { decodeMessage, encodeMessage } from './messages.js';
import { signRecord } from './records.js';

export const NAMESPACE = 'handle';
const HANDLE_RECORD = 'ipndht.v1.HandleRecord';
/** Default registration period: one year, the registry's default. */
export const DEFAULT_PERIOD_S = 365 * 24 * 3600;
/** Label length bounds of services/handles/names.py. */
const MIN_LABEL = 3;
const MAX_LABEL = 32;

export const Operation = Object.freeze({
  REGISTER: 'HANDLE_OPERATION_REGISTER',
  UPDATE: 'HANDLE_OPERATION_UPDATE',
  TRANSFER: 'HANDLE_OPERATION_TRANSFER',
  RENEW: 'HANDLE_OPERATION_RENEW',
  RELEASE: 'HANDLE_OPERATION_RELEASE',
});

/**
 * The canonical form of a handle ("@Alice.IPN" is "@alice.ipn"), with the
 * form, character and length rules of docs/handles.md checked here;
 * reserved names are left to the registry. INVALID_ARGUMENT names the rule.
 * @param {string} text
 * @returns {string}
 */
export function normalizeHandle(text) {
  if (typeof text !== 'string' || text === '') throw invalidArgument('handle is empty; expected @label.ipn (rule: form)');
  if (!/^[\x00-\x7f]*$/.test(text)) throw invalidArgument(`handle ${JSON.stringify(text)} is not ASCII (rule: ascii)`);
  const lowered = text.toLowerCase();
  if (!lowered.startsWith('@') || !lowered.endsWith('.ipn')) {
    throw invalidArgument(`${JSON.stringify(text)} is not of the form @label.ipn (rule: form)`);
  }
  const label = lowered.slice(1, -4);
  if (label.length < MIN_LABEL || label.length > MAX_LABEL) {
    throw invalidArgument(`label ${JSON.stringify(label)} has ${label.length} characters; allowed ${MIN_LABEL} to ${MAX_LABEL} (rule: length)`);
  }
  if (!/^[a-z0-9_-]+$/.test(label)) {
    throw invalidArgument(`label ${JSON.stringify(label)} may hold only a-z, 0-9, '-' and '_' (rule: character set)`);
  }
  if (label.startsWith('xn--')) throw invalidArgument(`label ${JSON.stringify(label)} is a punycode form (rule: no confusables)`);
  if (label.startsWith('-') || label.endsWith('-') || label.includes('--')) {
    throw invalidArgument(`label ${JSON.stringify(label)} has a leading, trailing or doubled hyphen (rule: hyphens)`);
  }
  return `@${label}.ipn`;
}

/**
 * @typedef {object} HandleFields
 * @property {Uint8Array | string} [targetKey] key the handle resolves to (default: the owner)
 * @property {string[]} [addresses]
 * @property {Record<string, string>} [metadata]
 * @property {string} [alias]
 */

/**
 * The serialised HandleRecord.
 * @param {string} handle normalised
 * @param {Uint8Array | string} ownerKey
 * @param {string} operation one of Operation
 * @param {HandleFields} [fields]
 * @returns {Buffer}
 */
export function handleValue(handle, ownerKey, operation, fields = {}) {
  const owner = toBytes(ownerKey, 'owner key', 32);
  return encodeMessage(HANDLE_RECORD, {
    handle,
    ownerKey: owner,
    targetKey: fields.targetKey === undefined ? owner : toBytes(fields.targetKey, 'target key', 32),
    addresses: fields.addresses ?? [],
    metadata: fields.metadata ?? {},
    operation,
    alias: fields.alias ?? '',
  });
}

/**
 * @param {import('./records.js').SignedRecord} current
 * @returns {Record<string, any>}
 */
function payloadOf(current) {
  if (!current || current.namespace !== NAMESPACE) throw invalidArgument('current must be the handle\'s current record (from resolve)');
  return decodeMessage(HANDLE_RECORD, current.value);
}

/**
 * @param {import('./keys.js').SigningKey} key
 * @param {string} handle
 * @param {Buffer} value
 * @param {bigint} seq
 * @param {bigint} issued
 * @param {bigint} expires
 */
function sign(key, handle, value, seq, issued, expires) {
  return signRecord(key, { namespace: NAMESPACE, key: Buffer.from(handle, 'ascii'), value, seq, issuedAtUs: issued, expiresAtUs: expires });
}

/**
 * A REGISTER record for `handle` (normalised here). `seq` is 1 for a new
 * handle, the last seq + 1 for one released or expired.
 * @param {import('./keys.js').SigningKey} key the owner
 * @param {string} handle
 * @param {HandleFields & {seq?: bigint|number|string, issuedAtUs?: bigint|number|string, expiresAtUs?: bigint|number|string, periodS?: number}} [options]
 */
export function register(key, handle, options = {}) {
  const name = normalizeHandle(handle);
  const issued = options.issuedAtUs === undefined ? nowUs() : toU64(options.issuedAtUs, 'issuedAtUs');
  const period = BigInt(options.periodS ?? DEFAULT_PERIOD_S) * 1_000_000n;
  const expires = options.expiresAtUs === undefined ? issued + period : toU64(options.expiresAtUs, 'expiresAtUs');
  const value = handleValue(name, key.publicKey, Operation.REGISTER, options);
  return sign(key, name, value, toU64(options.seq ?? 1, 'seq'), issued, expires);
}

/**
 * An UPDATE after `current`: fields not given keep their value; the expiry
 * stays the current one.
 * @param {import('./keys.js').SigningKey} key the owner
 * @param {import('./records.js').SignedRecord} current
 * @param {HandleFields & {issuedAtUs?: bigint|number|string}} [options]
 */
export function update(key, current, options = {}) {
  const old = payloadOf(current);
  const value = handleValue(old.handle, old.ownerKey, Operation.UPDATE, {
    targetKey: options.targetKey ?? old.targetKey,
    addresses: options.addresses ?? old.addresses,
    metadata: options.metadata ?? old.metadata,
    alias: options.alias ?? old.alias,
  });
  const issued = options.issuedAtUs === undefined ? nowUs() : toU64(options.issuedAtUs, 'issuedAtUs');
  return sign(key, old.handle, value, toU64(current.seq, 'seq') + 1n, issued, toU64(current.expiresAtUs, 'expiresAtUs'));
}

/**
 * A TRANSFER after `current` to `newOwnerKey`, signed by the current owner;
 * the handle then resolves to `targetKey` (default: the new owner).
 * Addresses, metadata and alias are cleared.
 * @param {import('./keys.js').SigningKey} key the current owner
 * @param {import('./records.js').SignedRecord} current
 * @param {Uint8Array | string} newOwnerKey
 * @param {{targetKey?: Uint8Array|string, issuedAtUs?: bigint|number|string}} [options]
 */
export function transfer(key, current, newOwnerKey, options = {}) {
  const old = payloadOf(current);
  const newOwner = toBytes(newOwnerKey, 'new owner key', 32);
  const value = handleValue(old.handle, newOwner, Operation.TRANSFER, { targetKey: options.targetKey ?? newOwner });
  const issued = options.issuedAtUs === undefined ? nowUs() : toU64(options.issuedAtUs, 'issuedAtUs');
  return sign(key, old.handle, value, toU64(current.seq, 'seq') + 1n, issued, toU64(current.expiresAtUs, 'expiresAtUs'));
}

/**
 * A RENEW after `current`, valid `periodS` from now (or until
 * `expiresAtUs`), keeping every other field.
 * @param {import('./keys.js').SigningKey} key the owner
 * @param {import('./records.js').SignedRecord} current
 * @param {{periodS?: number, issuedAtUs?: bigint|number|string, expiresAtUs?: bigint|number|string}} [options]
 */
export function renew(key, current, options = {}) {
  const old = payloadOf(current);
  const value = encodeMessage(HANDLE_RECORD, { ...old, operation: Operation.RENEW });
  const issued = options.issuedAtUs === undefined ? nowUs() : toU64(options.issuedAtUs, 'issuedAtUs');
  const period = BigInt(options.periodS ?? DEFAULT_PERIOD_S) * 1_000_000n;
  const expires = options.expiresAtUs === undefined ? issued + period : toU64(options.expiresAtUs, 'expiresAtUs');
  return sign(key, old.handle, value, toU64(current.seq, 'seq') + 1n, issued, expires);
}

/**
 * A RELEASE after `current`: the handle is free at once.
 * @param {import('./keys.js').SigningKey} key the owner
 * @param {import('./records.js').SignedRecord} current
 * @param {{issuedAtUs?: bigint|number|string}} [options]
 */
export function release(key, current, options = {}) {
  const old = payloadOf(current);
  const value = encodeMessage(HANDLE_RECORD, { ...old, operation: Operation.RELEASE });
  const issued = options.issuedAtUs === undefined ? nowUs() : toU64(options.issuedAtUs, 'issuedAtUs');
  return sign(key, old.handle, value, toU64(current.seq, 'seq') + 1n, issued, toU64(current.expiresAtUs, 'expiresAtUs'));
}
