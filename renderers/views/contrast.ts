/**
 * Colour arithmetic for legibility: CSS colours as VS Code writes them into the webview (#rgb,
 * #rrggbb, #rrggbbaa, rgb(), rgba()), WCAG 2 relative luminance and contrast ratio, and the
 * nudge that makes a colour readable on a background while keeping its hue. Runs in Node and in
 * the webview (no DOM).
 */

export interface Rgba {
  r: number;
  g: number;
  b: number;
  /** 0..1 */
  a: number;
}

const NAMED: Record<string, string> = { white: '#ffffff', black: '#000000', transparent: '#00000000' };

/** A CSS colour, or undefined when it is not one of the forms above. */
export function parseColor(text: string | undefined | null): Rgba | undefined {
  if (!text) return undefined;
  const s = (NAMED[text.trim().toLowerCase()] ?? text).trim().toLowerCase();
  let m = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/.exec(s);
  if (m) {
    let h = m[1];
    if (h.length <= 4) h = [...h].map((c) => c + c).join('');
    const n = (i: number) => parseInt(h.slice(i, i + 2), 16);
    return { r: n(0), g: n(2), b: n(4), a: h.length === 8 ? n(6) / 255 : 1 };
  }
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/.exec(s);
  if (m) {
    const alpha = m[4] === undefined ? 1 : m[4].endsWith('%') ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
    return { r: Number(m[1]), g: Number(m[2]), b: Number(m[3]), a: Math.min(1, Math.max(0, alpha)) };
  }
  return undefined;
}

const hex2 = (v: number) => Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, '0');

export function toHex(c: Rgba): string {
  return `#${hex2(c.r)}${hex2(c.g)}${hex2(c.b)}${c.a < 1 ? hex2(c.a * 255) : ''}`;
}

/** The opaque colour `top` makes over an opaque `bottom` (alpha compositing). */
export function over(top: Rgba, bottom: Rgba): Rgba {
  const a = top.a;
  return { r: top.r * a + bottom.r * (1 - a), g: top.g * a + bottom.g * (1 - a), b: top.b * a + bottom.b * (1 - a), a: 1 };
}

/** WCAG 2 relative luminance of an opaque colour. */
export function luminance(c: Rgba): number {
  const lin = (v: number) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
}

/** WCAG 2 contrast ratio (1..21) of a colour against a background; a translucent colour is composited over it first. */
export function contrast(color: string | Rgba, background: string | Rgba): number {
  const bg = typeof background === 'string' ? parseColor(background) : background;
  const fg = typeof color === 'string' ? parseColor(color) : color;
  if (!bg || !fg) return 1;
  const b = bg.a < 1 ? over(bg, { r: 255, g: 255, b: 255, a: 1 }) : bg;
  const [l1, l2] = [luminance(over(fg, b)), luminance(b)];
  return (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
}

export function isDark(background: string): boolean {
  const bg = parseColor(background);
  // Against white and black: a background nearer black in contrast terms is dark.
  return !!bg && contrast('#ffffff', bg) > contrast('#000000', bg);
}

/**
 * `color`, or the nearest colour towards white (dark background) or black (light background)
 * that reaches `min` contrast against `background` — drawn at `opacity`, for marks that are
 * translucent — hue kept, only lightness moved, so the categories of a legend still look like
 * themselves. Unparseable input comes back as it is.
 */
export function readable(color: string, background: string, min = 3, opacity = 1): string {
  const c = parseColor(color);
  const bg = parseColor(background);
  if (!c || !bg) return color;
  const solid = over(c, bg.a < 1 ? over(bg, { r: 255, g: 255, b: 255, a: 1 }) : bg);
  const enough = (x: Rgba | string) => contrast({ ...(typeof x === 'string' ? parseColor(x)! : x), a: opacity }, bg) >= min;
  if (enough(solid)) return color;
  const target = isDark(background) ? 255 : 0;
  for (let t = 0.05; t <= 1.0001; t += 0.05) {
    const mixed = toHex({ r: solid.r + (target - solid.r) * t, g: solid.g + (target - solid.g) * t, b: solid.b + (target - solid.b) * t, a: 1 });
    if (enough(mixed)) return mixed;
  }
  return target ? '#ffffff' : '#000000';
}
