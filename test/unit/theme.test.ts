/**
 * The theme module without a browser: colour parsing, the WCAG contrast ratio against published
 * reference values, readable() reaching its target while keeping the hue, themeFromVariables on
 * VS Code's four default themes (the variables of test/renderer/vscode-themes.ts), the print
 * style, and the specs it feeds (shape legend symbols, selection outlines). What Chromium draws is
 * measured in test/renderer/themes.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { contrast, parseColor, readable } from '../../renderers/views/contrast';
import { MARK_CONTRAST, MARK_OPACITY, PRINT, TEXT_CONTRAST, themeFromVariables, type Theme, type ThemeKind } from '../../renderers/views/theme';
import { heatmapSpec } from '../../renderers/views/heatmap';
import { interactionsSpec } from '../../renderers/views/interactions';
import { fromResults } from '../../renderers/data';
import { syntheticResults } from '../renderer/fixtures';
import { THEMES } from '../renderer/vscode-themes';

const KIND: Record<string, ThemeKind> = { light: 'light', dark: 'dark', 'hc-dark': 'high-contrast', 'hc-light': 'high-contrast-light' };
const themes = THEMES.map((t) => ({ name: t.name, theme: themeFromVariables(KIND[t.name], (n) => t.vars[n]) }));

/** Hue in degrees of an opaque colour (HSL). */
function hue(css: string): number {
  const c = parseColor(css)!;
  const [r, g, b] = [c.r / 255, c.g / 255, c.b / 255];
  const max = Math.max(r, g, b);
  const d = max - Math.min(r, g, b);
  if (d === 0) return NaN;
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return (h * 60 + 360) % 360;
}

describe('contrast', () => {
  test('parses the forms VS Code writes', () => {
    assert.deepEqual(parseColor('#abc'), { r: 0xaa, g: 0xbb, b: 0xcc, a: 1 });
    assert.deepEqual(parseColor('#1F1F1F'), { r: 31, g: 31, b: 31, a: 1 });
    assert.deepEqual(parseColor('#ffffff80'), { r: 255, g: 255, b: 255, a: 128 / 255 });
    assert.deepEqual(parseColor('rgba(255, 255, 255, 0.1)'), { r: 255, g: 255, b: 255, a: 0.1 });
    assert.deepEqual(parseColor('rgb(0 128 255 / 50%)'), { r: 0, g: 128, b: 255, a: 0.5 });
    assert.equal(parseColor('var(--x)'), undefined);
  });

  test('WCAG ratios: black on white 21, #767676 the lightest grey at 4.5 on white, #777777 just under', () => {
    assert.equal(contrast('#000000', '#ffffff'), 21);
    assert.equal(contrast('#ffffff', '#ffffff'), 1);
    assert.ok(contrast('#767676', '#ffffff') >= 4.5 && contrast('#767676', '#ffffff') < 4.6);
    assert.ok(contrast('#777777', '#ffffff') < 4.5);
    // A translucent colour counts as what it makes on the background: 10% white on #1f1f1f ≈ #353535.
    assert.ok(Math.abs(contrast('rgba(255, 255, 255, 0.1)', '#1f1f1f') - contrast('#353535', '#1f1f1f')) < 0.01);
  });

  test('readable() reaches the ratio, keeps the hue, and leaves colours that already read alone', () => {
    const colors = ['#8e44ad', '#f7b32b', '#255c99', '#4393c3', '#e08214', '#109648', '#edc948', '#7f7f7f'];
    for (const bg of ['#ffffff', '#1f1f1f', '#000000', '#002b36', '#fdf6e3']) {
      for (const c of colors) {
        for (const min of [3, 4.5]) {
          const r = readable(c, bg, min);
          assert.ok(contrast(r, bg) >= min, `${c} on ${bg} -> ${r}: ${contrast(r, bg).toFixed(2)} < ${min}`);
          if (contrast(c, bg) >= min) assert.equal(r, c);
          else if (!Number.isNaN(hue(c)) && !['#ffffff', '#000000'].includes(r)) assert.ok(Math.abs(hue(r) - hue(c)) < 6, `${c} -> ${r}: hue ${hue(c).toFixed(0)} -> ${hue(r).toFixed(0)}`);
        }
      }
      const translucent = readable('#8e44ad', bg, 3, 0.8);
      assert.ok(contrast({ ...parseColor(translucent)!, a: 0.8 }, bg) >= 3, `${translucent} at 80% on ${bg}`);
    }
  });
});

describe('themeFromVariables on VS Code default themes', () => {
  for (const { name, theme } of themes) {
    test(`${name}: text 4.5:1, marks 3:1 at 80% (4.5:1 in high contrast), buttons and focus 3:1`, () => {
      const bg = theme.background;
      assert.equal(bg, THEMES.find((t) => t.name === name)!.vars['editor-background']);
      for (const c of [theme.foreground, theme.muted]) assert.ok(contrast(c, bg) >= TEXT_CONTRAST, `${name} text ${c}`);
      const min = theme.kind.startsWith('high-contrast') ? TEXT_CONTRAST : MARK_CONTRAST;
      const m = theme.marks;
      const marks = [m.positive, m.negative, m.nonAdditive, m.intermediate, m.additive, m.symbol, ...Object.values(m.letters), ...m.series, ...m.recovery];
      for (const c of marks) assert.ok(contrast({ ...parseColor(c)!, a: MARK_OPACITY }, bg) >= min, `${name} mark ${c}: ${contrast({ ...parseColor(c)!, a: MARK_OPACITY }, bg).toFixed(2)}`);
      assert.ok(contrast(theme.accent!, bg) >= min, `${name} accent ${theme.accent}`);
      const k = theme.controls;
      assert.ok(Math.max(contrast(k.background, bg), contrast(k.border, bg)) >= 3, `${name} button edge`);
      assert.ok(Math.max(contrast(k.pressedBackground, bg), contrast(k.pressedBorder, bg)) >= 3, `${name} pressed button edge`);
      assert.ok(contrast(k.foreground, k.background) >= 4.5 && contrast(k.pressedForeground, k.pressedBackground) >= 4.5, `${name} button labels`);
      assert.ok(contrast(k.focus, bg) >= 3, `${name} focus ${k.focus}`);
      // Inputs and the pickers' lists: text and placeholder 4.5:1 on the fill, the fill or edge 3:1 on the page.
      for (const [what, f] of [['input', k.input], ['list', k.list]] as const) {
        assert.ok(contrast(f.foreground, f.background) >= 4.5, `${name} ${what} text ${f.foreground} on ${f.background}`);
        assert.ok(contrast(f.placeholder, f.background) >= 4.5, `${name} ${what} placeholder ${f.placeholder}`);
        assert.ok(Math.max(contrast(f.background, bg), contrast(f.border, bg)) >= 3, `${name} ${what} edge ${f.border} / fill ${f.background}`);
      }
      const l = k.list;
      assert.ok(contrast(l.activeForeground, l.activeBackground) >= 4.5, `${name} active option text`);
      assert.ok(Math.max(contrast(l.activeBackground, l.background), contrast(l.activeBorder, l.background)) >= 3, `${name} active option stands out`);
    });
  }

  test('Dark Modern: the transparent secondary button gets a visible border, not its 10% white one', () => {
    const k = themes.find((t) => t.name === 'dark')!.theme.controls;
    assert.equal(k.background, '#1f1f1f');
    assert.ok(contrast(k.border, '#1f1f1f') >= 3);
  });

  test('High Contrast Dark (no button background): outlined in contrastBorder, pressed in contrastActiveBorder, focus in focusBorder', () => {
    const k = themes.find((t) => t.name === 'hc-dark')!.theme.controls;
    assert.deepEqual([k.background, k.border, k.pressedBorder, k.focus], ['#000000', '#6fc3df', '#f38518', '#f38518']);
  });

  test("Light Modern: the white input's #cecece border (1.5:1 on the page) is darkened to 3:1; Dark High Contrast keeps its contrastBorder", () => {
    const light = themes.find((t) => t.name === 'light')!.theme.controls.input;
    assert.equal(light.background, '#ffffff');
    assert.ok(contrast('#cecece', '#ffffff') < 3);
    assert.ok(contrast(light.border, '#ffffff') >= 3, light.border);
    assert.equal(themes.find((t) => t.name === 'hc-dark')!.theme.controls.input.border, '#6fc3df');
  });

  test('print style: white, dark text, no accent', () => {
    assert.equal(PRINT.background, '#ffffff');
    assert.equal(PRINT.accent, null);
    assert.ok(contrast(PRINT.foreground, '#ffffff') >= 15);
  });
});

describe('specs from the theme', () => {
  const data = fromResults(syntheticResults({ classes: 6, features: 20, seed: 2 }));
  const dark: Theme = themes.find((t) => t.name === 'dark')!.theme;

  test("the negative-feature legend's symbols are the theme's, not Vega-Lite's black", async () => {
    const vl = await import('vega-lite');
    const compiled = vl.compile(interactionsSpec(data, { theme: dark }) as never).spec as { legends?: { shape?: string; symbolFillColor?: string; encode?: { symbols?: { update?: { fill?: { value?: string } } } } }[] };
    const shape = compiled.legends?.find((l) => l.shape);
    assert.ok(shape, 'a shape legend');
    assert.equal(shape.symbolFillColor, dark.marks.symbol);
    assert.equal(shape.encode?.symbols?.update?.fill, undefined, 'no fill that overrides it');
    assert.ok(contrast(dark.marks.symbol, dark.background) >= 3);
  });

  test('print: the selected feature and class are not outlined or enlarged', () => {
    const layers = (s: Record<string, unknown>) => JSON.stringify(s);
    const onScreen = layers(heatmapSpec(data, { theme: dark, feature: 3, classPos: 1 }));
    const printed = layers(heatmapSpec(data, { theme: PRINT, feature: 3, classPos: 1 }));
    assert.match(onScreen, new RegExp(`"stroke":"${dark.accent}"`));
    assert.doesNotMatch(printed, /"stroke":"#[0-9a-f]{6}"/);
    const points = interactionsSpec(data, { theme: PRINT, feature: 3 }) as { layer: { encoding?: { size?: unknown } }[] };
    assert.deepEqual(points.layer[0].encoding?.size, { value: 50 });
  });
});
