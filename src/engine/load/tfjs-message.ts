/** TF.js's complaint about a model it cannot build or fill, made fit for a one-line refusal. */
export function tfjsMessage(err: unknown): string {
  const text = (err instanceof Error ? err.message : String(err)).split('\n')[0].replace(/\s+/g, ' ').trim();
  // A JavaScript slip inside TF.js on a malformed configuration ("Cannot read properties of undefined").
  if (err instanceof TypeError || err instanceof ReferenceError) return 'a layer configuration is malformed (corrupt file?)';
  // "Invalid typed array length", "Array buffer allocation failed": a size no file of this size can hold.
  if (err instanceof RangeError) return `a layer asks for more memory than can be allocated (${text}; corrupt file?)`;
  // TF.js lists "null/undefined" among valid values; values of a corrupt file show as "undefined" or "[object Object]".
  return text.replace(/null\/undefined/g, 'null').replace(/\[object Object\]/g, 'an object').replace(/\bundefined\b/g, 'nothing') || 'unknown reason';
}
