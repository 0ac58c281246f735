// Encoding and decoding of contract messages with protobufjs, in the
// canonical form of docs/records.md "Wire form": fields in number order,
// default values left out, map entries sorted by key.

import { invalidArgument } from './errors.js';
import { protoDir, protoRoot } from './proto.js';

/** Decoded messages look like gRPC responses (see LOADER_OPTIONS). */
const TO_OBJECT = { longs: String, enums: String, bytes: Buffer, defaults: true, arrays: true, objects: true };

/**
 * @param {string} typeName e.g. "ipndht.v1.HandleRecord"
 * @param {string} [dir] proto root
 * @returns {import('protobufjs').Type}
 */
export function messageType(typeName, dir) {
  return protoRoot(protoDir(dir)).lookupType(typeName);
}

/**
 * @param {import('protobufjs').Field} field
 * @param {any} value
 * @returns {boolean}
 */
function isDefault(field, value) {
  if (value === undefined || value === null) return true;
  if (field.resolvedType && 'values' in field.resolvedType) {
    const values = /** @type {import('protobufjs').Enum} */ (field.resolvedType).values;
    return value === 0 || values[value] === 0;
  }
  if (field.resolvedType) return false;
  if (typeof value === 'string') {
    return value === '' || (field.long && /^0+$/.test(value));
  }
  if (value instanceof Uint8Array) return value.length === 0;
  if (typeof value === 'bigint') return value === 0n;
  if (typeof value === 'object' && 'low' in value && 'high' in value) return !value.low && !value.high;
  return value === 0 || value === false;
}

/**
 * A copy of `object` without default values, map keys sorted, uint64
 * bigints as decimal strings, nested messages treated the same way.
 * @param {import('protobufjs').Type} type
 * @param {Record<string, any>} object
 * @returns {Record<string, any>}
 */
function canonicalObject(type, object) {
  /** @type {Record<string, any>} */
  const out = {};
  for (const field of type.fieldsArray) {
    let value = object[field.name];
    const nested = field.resolvedType && !('values' in field.resolvedType)
      ? /** @type {import('protobufjs').Type} */ (field.resolvedType)
      : null;
    /** @param {any} v */
    const one = (v) => (nested && v ? canonicalObject(nested, v) : typeof v === 'bigint' ? v.toString() : v);
    if (field.map) {
      if (!value || Object.keys(value).length === 0) continue;
      value = Object.fromEntries(
        Object.keys(value)
          .sort()
          .map((k) => [k, one(value[k])]),
      );
    } else if (field.repeated) {
      if (!Array.isArray(value) || value.length === 0) continue;
      value = value.map(one);
    } else {
      if (isDefault(field, value)) continue;
      value = one(value);
    }
    out[field.name] = value;
  }
  return out;
}

/**
 * The canonical encoding of `object` as message `typeName`.
 * @param {string} typeName
 * @param {Record<string, any>} object camelCase fields
 * @param {string} [dir] proto root
 * @returns {Buffer}
 */
export function encodeMessage(typeName, object, dir) {
  const type = messageType(typeName, dir);
  const canonical = canonicalObject(type, object);
  return Buffer.from(type.encode(type.fromObject(canonical)).finish());
}

/**
 * The decoded message, or INVALID_ARGUMENT when the bytes are not one.
 * @param {string} typeName
 * @param {Uint8Array} bytes
 * @param {string} [dir] proto root
 * @returns {Record<string, any>}
 */
export function decodeMessage(typeName, bytes, dir) {
  const type = messageType(typeName, dir);
  let message;
  try {
    message = type.decode(bytes);
  } catch (error) {
    throw invalidArgument(`bytes are not a ${typeName}: ${/** @type {Error} */ (error).message}`);
  }
  return type.toObject(message, TO_OBJECT);
}
