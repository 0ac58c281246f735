// ipndht Node.js client: the gRPC Client and the signed-record helpers.

export { Client, DEFAULT_ENDPOINTS, DEFAULT_DEADLINE_MS, DEFAULT_STREAM_DEADLINE_MS, RECONNECT_BACKOFF_MS, channelOptions } from './client.js';
export { IpndhtError, Status } from './errors.js';
export { SigningKey, generateKey, loadKeyFile, loadOrCreateKeyFile, verifySignature, writeKeyFile } from './keys.js';
export { COUNTERSIGN_PREFIX, RECORD_PREFIX, countersigningBytes, dhtKey, dhtKeyMaterial, signingBytes } from './canonical.js';
export {
  countersign,
  decodeRecord,
  encodeRecord,
  recordDhtKey,
  signRecord,
  verifyCountersignature,
  verifyRecordSignature,
} from './records.js';
export { InvalidRecord, RecordTooLarge } from './namespaces.js';
export { MAX_RECORD_BYTES, validateRecord } from './validate.js';
export { announcementTimer, createHashTimer, parseHashTimer } from './hashtimer.js';
export { decodeMessage, encodeMessage } from './messages.js';
export { fromHex, nowUs } from './bytes.js';
export * as handles from './handles.js';
export * as content from './content.js';
