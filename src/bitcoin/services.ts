// Service bits live with the wire codec (wire/services.ts), which names them in traces; re-exported here
// for the protocol code that tests them.
export * from '../wire/services.js';
