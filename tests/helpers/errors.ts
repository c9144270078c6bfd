// "Which typed error did this throw?" for tests: every layer has one error class with a stable
// `code` (WireError, FilterError, MerkleError, ...). Anything else escaping is a bug and is rethrown.

/** An error class whose instances carry a stable `code`. */
export type CodedErrorClass = abstract new (...args: never[]) => Error & { readonly code: string };

/** The `code` of the `errorClass` error that `fn` throws; undefined when `fn` returns. */
export function errorCode(errorClass: CodedErrorClass, fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof errorClass) return e.code;
    throw e;
  }
  return undefined;
}
