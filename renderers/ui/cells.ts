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
  datum?: Record<string, unknown>;
  mark?: { name?: string; marktype?: string; group?: SceneItem };
}

export function isImage(item: unknown): item is SceneItem {
  return !!item && (item as SceneItem).mark?.marktype === 'image';
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
  x -= item.x ?? 0;
  y -= item.y ?? 0;
  const w = item.width ?? 0;
  const h = item.height ?? 0;
  if (x < 0 || y < 0 || x >= w || y >= h) return null;
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
