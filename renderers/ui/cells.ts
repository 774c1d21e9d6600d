/**
 * Large matrices are one image mark (see views/matrix.ts), so hover and click find the cell from
 * the pointer position instead of from a mark's datum.
 */
import type { View } from 'vega';

interface SceneItem {
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  bounds?: { x1: number; y1: number; x2: number; y2: number };
  datum?: Record<string, unknown>;
  mark?: { name?: string; marktype?: string; group?: SceneItem };
}

export function isImage(item: unknown): item is SceneItem {
  return !!item && (item as SceneItem).mark?.marktype === 'image';
}

/**
 * The matrix image a pointer event is about: the picked item itself, or — when Vega picked the
 * plot's group instead (a zoomable plot's group takes the pointer for its drag and wheel, so the
 * image under it is not what `item` is) — the first image item in the view's scene.
 */
export function imageUnder(view: View, item: unknown): SceneItem | null {
  if (isImage(item)) return item;
  const picked = item as { mark?: { marktype?: string }; datum?: unknown } | null;
  if (picked && picked.mark?.marktype !== 'group') return null;
  const walk = (node: { marktype?: string; items?: unknown[] } | undefined): SceneItem | null => {
    if (!node) return null;
    if (node.marktype === 'image') return (node.items?.[0] as SceneItem | undefined) ?? null;
    for (const child of node.items ?? []) {
      const found = walk(child as { marktype?: string; items?: unknown[] });
      if (found) return found;
    }
    return null;
  };
  return walk((view.scenegraph() as unknown as { root: { marktype?: string; items?: unknown[] } }).root);
}

/** [row, column] under the pointer in a rows × cols image item, or null outside it. */
export function cellAt(view: View, event: MouseEvent, item: SceneItem, rows: number, cols: number): [number, number] | null {
  const surface = view.container()?.querySelector('canvas, svg');
  if (!surface) return null;
  const rect = surface.getBoundingClientRect();
  const [ox, oy] = view.origin();
  let x = event.clientX - rect.left - ox;
  let y = event.clientY - rect.top - oy;
  for (let g = item.mark?.group; g; g = g.mark?.group) {
    x -= g.x ?? 0;
    y -= g.y ?? 0;
  }
  // The image's extent: its bounds once drawn (an image placed by x/x2, y/y2 on the zoomable
  // linear scales may carry a negative height, or no width, in its item), else x/y/width/height.
  const b = item.bounds;
  const left = b ? Math.min(b.x1, b.x2) : Math.min(item.x ?? 0, (item.x ?? 0) + (item.width ?? 0));
  const top = b ? Math.min(b.y1, b.y2) : Math.min(item.y ?? 0, (item.y ?? 0) + (item.height ?? 0));
  const w = b ? Math.abs(b.x2 - b.x1) : Math.abs(item.width ?? 0);
  const h = b ? Math.abs(b.y2 - b.y1) : Math.abs(item.height ?? 0);
  x -= left;
  y -= top;
  if (!(w > 0 && h > 0) || x < 0 || y < 0 || x >= w || y >= h) return null;
  return [Math.floor((y / h) * rows), Math.floor((x / w) * cols)];
}

/** A tooltip for image cells; text only (textContent), never markup. */
export class CellTip {
  private el: HTMLDivElement;
  constructor(doc: Document) {
    this.el = doc.createElement('div');
    this.el.className = 'dr-tip';
    this.el.setAttribute('role', 'tooltip');
    this.el.hidden = true;
    doc.body.appendChild(this.el);
  }
  show(event: MouseEvent, lines: string[]) {
    this.el.textContent = lines.join('\n');
    this.el.style.left = `${event.clientX + 12}px`;
    this.el.style.top = `${event.clientY + 12}px`;
    this.el.hidden = false;
  }
  hide() {
    this.el.hidden = true;
  }
  dispose() {
    this.el.remove();
  }
}
