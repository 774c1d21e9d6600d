/**
 * Pictures of a view for saving. By default in the neutral print style (views/theme.ts PRINT:
 * white background, dark text, no selection outline), drawn from a fresh spec in a detached
 * element, whatever the editor's theme: a figure for a paper or a slide should not carry a dark
 * editor background or the outline of whatever was last clicked. With "keep theme" the picture
 * is the view on screen, theme and selection included.
 */
import type { View } from 'vega';
import { PRINT } from '../views/theme';
import { embedSpec } from './embed';

export type PictureKind = 'svg' | 'png';

/** SVG text or a PNG data: URL (2× scale) of a live view. */
export async function pictureOfView(view: View, kind: PictureKind): Promise<string> {
  return kind === 'svg' ? view.toSVG() : view.toImageURL('png', 2);
}

/**
 * The same of a spec built with the PRINT theme, rendered off screen and thrown away; `prepare`
 * sets on it what the spec cannot carry (the heatmap's zoom) before the picture is taken.
 */
export async function printPicture(doc: Document, spec: object, kind: PictureKind, prepare?: (view: View) => Promise<void>): Promise<string> {
  const box = doc.createElement('div');
  const view = await embedSpec(box, spec, 'svg', PRINT);
  try {
    await prepare?.(view);
    return await pictureOfView(view, kind);
  } finally {
    view.finalize();
  }
}
