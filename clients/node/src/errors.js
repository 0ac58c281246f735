// IpndhtError: the one error class of this client, for server statuses and
// for input the client refuses before sending anything.

/** gRPC status code numbers by name (grpc/status.h). */
export const Status = Object.freeze({
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
});

/** @type {Map<number, string>} */
const NAME_OF_CODE = new Map(Object.entries(Status).map(([name, code]) => [code, name]));

/** Metadata key of the request id (services/core/constants.py). */
export const REQUEST_ID_METADATA = 'x-request-id';
/** Trailing metadata key of an ABORTED write: the handle's current seq. */
export const CURRENT_SEQ_METADATA = 'x-current-seq';

/**
 * A failed call or refused input.
 *
 * `code` is the gRPC status number (see `Status`), `codeName` its name,
 * `details` the server's (or the client's) message, `requestId` the id the
 * server logged the call under ('' for input refused locally), and
 * `currentSeq` the handle's current seq for an ABORTED write ('' otherwise).
 */
export class IpndhtError extends Error {
  /**
   * @param {number} code
   * @param {string} details
   * @param {{requestId?: string, currentSeq?: string, cause?: unknown}} [extra]
   */
  constructor(code, details, extra = {}) {
    const codeName = NAME_OF_CODE.get(code) ?? `CODE_${code}`;
    super(`${codeName}: ${details}`, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'IpndhtError';
    /** @type {number} */
    this.code = code;
    /** @type {string} */
    this.codeName = codeName;
    /** @type {string} */
    this.details = details;
    /** @type {string} */
    this.requestId = extra.requestId ?? '';
    /** @type {string} */
    this.currentSeq = extra.currentSeq ?? '';
  }
}

/**
 * A client-side refusal of bad input (INVALID_ARGUMENT, no request id).
 * @param {string} details
 * @returns {IpndhtError}
 */
export function invalidArgument(details) {
  return new IpndhtError(Status.INVALID_ARGUMENT, details);
}

/**
 * @param {any} metadata a grpc-js Metadata, or undefined
 * @param {string} key
 * @returns {string}
 */
function firstValue(metadata, key) {
  if (!metadata || typeof metadata.get !== 'function') return '';
  const [value] = metadata.get(key);
  if (value === undefined) return '';
  return Buffer.isBuffer(value) ? value.toString('latin1') : String(value);
}

/**
 * The IpndhtError for a grpc-js ServiceError.
 * @param {any} error
 * @param {string} sentRequestId the id this client sent with the call
 * @returns {IpndhtError}
 */
export function fromServiceError(error, sentRequestId) {
  if (error instanceof IpndhtError) return error;
  const code = typeof error?.code === 'number' ? error.code : Status.UNKNOWN;
  const details = typeof error?.details === 'string' ? error.details : String(error?.message ?? error);
  return new IpndhtError(code, details, {
    requestId: firstValue(error?.metadata, REQUEST_ID_METADATA) || sentRequestId,
    currentSeq: firstValue(error?.metadata, CURRENT_SEQ_METADATA),
    cause: error,
  });
}
