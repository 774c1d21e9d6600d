/**
 * The Marketplace page's screenshots (media/marketplace/, MARKETPLACE.md): the top of the
 * dashboard %resolve shows for the example model (the authors' CTCF GM12878 model, 10 restarts,
 * features named by the shipped JASPAR), drawn by the built renderer in the renderer tests'
 * Chromium page (test/renderer/harness.ts) in VS Code's light theme, and the first row of its
 * feature logos (each filter's logo above its best JASPAR match).
 *
 *   node --import tsx scripts/marketplace-screenshot.ts
 *
 * Rerun when the views change; the PNGs are committed (under 100 kB each).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { useBackend } from '../src/engine/backend';
import { parseLabels } from '../src/engine/labels';
import { loadModel } from '../src/engine/load';
import { resolveFeatures } from '../src/engine/resolve';
import { annotateWith, motifLibrary } from '../src/notebook/motif-files';
import { outputBundle } from '../src/notebook/output-bundle';
import { RESULT_MIME } from '../renderers/pack';
import { idle, openPage, render, startHarness } from '../test/renderer/harness';

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'media', 'marketplace', 'dashboard.png');
const LOGOS = path.join(ROOT, 'media', 'marketplace', 'logos.png');

async function main() {
  await useBackend('wasm');
  const dir = path.join(ROOT, 'examples', 'ctcf-gm12878');
  const loaded = await loadModel(path.join(dir, '16_G_best_archit.json'));
  const labelsFile = path.join(dir, 'labels.txt');
  const raw = await resolveFeatures({ loaded, labels: parseLabels(fs.readFileSync(labelsFile), labelsFile), labelsFile, settings: { restarts: 10 } });
  loaded.model.dispose();
  const results = annotateWith(raw, motifLibrary('jaspar', ROOT));
  const bundle = await outputBundle(results, 'heatmap', { svg: false });
  const h = await startHarness();
  try {
    h.payloads.set('example', JSON.stringify(bundle[RESULT_MIME]));
    const { page, errors, close } = await openPage(h, { width: 1100, height: 2400 });
    try {
      await render(page, 'example');
      await idle(page);
      if (errors.length) throw new Error(`renderer errors: ${errors.join('; ')}`);
      fs.mkdirSync(path.dirname(OUT), { recursive: true });
      const root = page.locator('.dr-root');
      const box = await root.boundingBox();
      if (!box) throw new Error('nothing drawn');
      await page.screenshot({ path: OUT, clip: { x: 0, y: 0, width: 1100, height: Math.min(900, Math.ceil(box.y + box.height + 8)) } });
      const logos = await page.locator('.dr-panel[data-panel="logos"]').boundingBox();
      if (!logos) throw new Error('no logos panel');
      await page.screenshot({ path: LOGOS, clip: { x: logos.x, y: logos.y, width: logos.width, height: Math.min(logos.height, 312) } });
    } finally {
      await close();
    }
  } finally {
    await h.close();
  }
  for (const f of [OUT, LOGOS]) process.stdout.write(`${path.relative(ROOT, f)}: ${fs.statSync(f).size} bytes\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : err}\n`);
  process.exit(1);
});
