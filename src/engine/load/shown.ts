/** A value read from a model file as it appears in a message: text as it is, anything else as short JSON (never "[object Object]"). */
export function shown(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return 'nothing';
  const json = JSON.stringify(v);
  if (json === undefined) return typeof v;
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}
