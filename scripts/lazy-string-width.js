// Stands in for `string-width` inside dist/spv.js (see scripts/bundle.js). Importing string-width
// builds an Intl.Segmenter and Unicode-property regexes, ~20 ms of `spv` start-up, yet yargs' help
// text is printable ASCII, whose width is its length (string-width 8 answers those the same way).
// Any other string loads the real module, bundled behind esbuild's lazy require().
let real;

export default function stringWidth(text, options) {
  if (typeof text === 'string' && /^[\x20-\x7e]*$/.test(text)) return text.length;
  real ??= require('string-width').default;
  return real(text, options);
}
