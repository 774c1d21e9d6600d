// vega-scale ships types its package exports do not point to; png.ts needs only `scheme`.
declare module 'vega-scale' {
  export function scheme(name: string): ((t: number) => string) | string[] | undefined;
}
