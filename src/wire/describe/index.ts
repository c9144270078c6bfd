// Seeing the protocol: a describer for every message (one-line summary, every field, the
// annotated bytes), used by the live trace, `spv decode` and `spv capture show`. Pure: it
// builds text and JSON values, the CLI prints them.
export { summarizeMessage, type SummaryContext } from './summary.js';
export { messageFields, headerFields, txFields, type JsonValue, type JsonObject } from './fields.js';
export { annotatePayload, annotateFrame, annotateCaptureRecord, headerSpans, networkOfMagic, type AnnotatedBytes, type FieldSpan } from './layout.js';
export { renderDump, renderFields, plain, type Paint, type PaintRole, type DumpOptions } from './render.js';
export { shortHash, servicesText, invTypeName } from './format.js';
