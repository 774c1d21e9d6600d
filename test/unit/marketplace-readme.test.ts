/**
 * The README packed into the .vsix (the Marketplace page and VS Code's extension page) is the
 * user README that `npm run package` names with vsce's --readme-path, and every link in it, and
 * in the docs it links to (followed to the end), resolves to a file in the package (headings for
 * #anchors). It is written for users: no npm developer commands, the screenshot, the formats,
 * how to start, the paper's citation and JASPAR's CC BY 4.0 attribution.
 *
 * The package's files: the built deepresolve.vsix when it is newer than everything that decides
 * its non-bundle content (the manifest, .vscodeignore, the README, docs/, media/); otherwise
 * vsce's own file collection and processors (what `vsce package` zips, ~20 s: it walks the tree).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import MarkdownIt from 'markdown-it';
import { parseDocument } from 'htmlparser2';

const ROOT = path.resolve(__dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const script: string = pkg.scripts.package;
const readmeArg = /--readme-path\s+(\S+)/.exec(script)?.[1];
const vsixArg = /\s-o\s+(\S+)/.exec(script)?.[1] ?? 'deepresolve.vsix';

/** Packed path (without the 'extension/' prefix) → content. */
let packed = new Map<string, Buffer>();
let source = '';

function newestInput(): number {
  const walk = (p: string): number => {
    const st = fs.statSync(p);
    return st.isDirectory() ? fs.readdirSync(p).reduce((m, e) => Math.max(m, walk(path.join(p, e))), st.mtimeMs) : st.mtimeMs;
  };
  return Math.max(...['package.json', '.vscodeignore', readmeArg!, 'docs', 'media', 'LICENSE'].map((p) => walk(path.join(ROOT, p))));
}

async function viaVsce(): Promise<Map<string, Buffer>> {
  // vsce's packaging steps without the zip (its API has no such call; out/package is its module).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const vsce = require('@vscode/vsce/out/package') as {
    readManifest(cwd: string): Promise<unknown>;
    collect(manifest: unknown, options: Record<string, unknown>): Promise<{ path: string; localPath?: string; contents?: Buffer | string }[]>;
  };
  const options = {
    cwd: ROOT,
    readmePath: readmeArg,
    rewriteRelativeLinks: !script.includes('--no-rewrite-relative-links'),
    dependencies: !script.includes('--no-dependencies'),
    allowMissingRepository: script.includes('--allow-missing-repository'),
    skipLicense: script.includes('--skip-license'),
  };
  const files = await vsce.collect(await vsce.readManifest(ROOT), options);
  const out = new Map<string, Buffer>();
  for (const f of files) {
    if (!f.path.startsWith('extension/')) continue;
    const rel = f.path.slice('extension/'.length);
    // Only text content is read below; the rest just has to be there.
    const wanted = /\.(md|png)$/i.test(rel);
    out.set(rel, !wanted ? Buffer.alloc(0) : f.contents !== undefined ? Buffer.from(f.contents) : fs.readFileSync(f.localPath!));
  }
  return out;
}

function viaVsix(file: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const entries = unzipSync(fs.readFileSync(file), { filter: (f) => f.name.startsWith('extension/') && /\.(md|png)$/i.test(f.name) });
  for (const [name, data] of Object.entries(entries)) out.set(name.slice('extension/'.length), Buffer.from(data));
  // Names of the other entries (not decompressed): the central directory lists them all.
  for (const name of zipNames(fs.readFileSync(file))) if (name.startsWith('extension/') && !out.has(name.slice(10))) out.set(name.slice(10), Buffer.alloc(0));
  return out;
}

/** Entry names from a zip's central directory. */
function zipNames(zip: Buffer): string[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let at = zip.readUInt32LE(end + 16);
  const names: string[] = [];
  for (let i = 0, n = zip.readUInt16LE(end + 10); i < n; i++) {
    const len = zip.readUInt16LE(at + 28);
    names.push(zip.toString('utf8', at + 46, at + 46 + len));
    at += 46 + len + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return names;
}

before(async () => {
  assert.ok(readmeArg, `npm run package names the user README with --readme-path: ${script}`);
  source = fs.readFileSync(path.join(ROOT, readmeArg), 'utf8');
  const vsix = path.join(ROOT, vsixArg);
  const fresh = fs.existsSync(vsix) && fs.statSync(vsix).mtimeMs > newestInput();
  packed = fresh ? viaVsix(vsix) : await viaVsce();
});

const md = new MarkdownIt({ html: true });

/** GitHub's (and VS Code's) heading anchors: lower case, punctuation dropped, spaces to '-'. */
function slug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(text: string): Set<string> {
  const tokens = md.parse(text, {});
  const seen = new Map<string, number>();
  const out = new Set<string>();
  tokens.forEach((t, i) => {
    if (t.type !== 'heading_open') return;
    const inline = tokens[i + 1];
    const plain = (inline.children ?? []).map((c) => (c.type === 'text' || c.type === 'code_inline' ? c.content : '')).join('');
    const base = slug(plain);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  });
  return out;
}

/** Every link and image target of a Markdown text (Markdown syntax and inline HTML). */
function targetsOf(text: string): { target: string; image: boolean }[] {
  const out: { target: string; image: boolean }[] = [];
  const html = (s: string) => {
    const walk = (n: { name?: string; attribs?: Record<string, string>; children?: unknown[] }) => {
      if (n.name === 'img' && n.attribs?.src) out.push({ target: n.attribs.src, image: true });
      if (n.name === 'a' && n.attribs?.href) out.push({ target: n.attribs.href, image: false });
      for (const c of (n.children ?? []) as (typeof n)[]) walk(c);
    };
    walk(parseDocument(s) as unknown as Parameters<typeof walk>[0]);
  };
  const visit = (tokens: ReturnType<typeof md.parse>) => {
    for (const t of tokens) {
      if (t.type === 'link_open') out.push({ target: t.attrGet('href') ?? '', image: false });
      if (t.type === 'image') out.push({ target: t.attrGet('src') ?? '', image: true });
      if (t.type === 'html_block' || t.type === 'html_inline') html(t.content);
      if (t.children) visit(t.children);
    }
  };
  visit(md.parse(text, {}));
  return out;
}

test('the packed README is the user README named by npm run package, and the only README', () => {
  assert.notEqual(readmeArg, 'README.md', 'the developers\u2019 README stays in the repository');
  assert.ok(script.includes('--no-rewrite-relative-links'), 'links stay relative, so they resolve inside the package');
  const readme = packed.get('readme.md');
  assert.ok(readme, `readme.md in the package (files: ${[...packed.keys()].filter((f) => !f.startsWith('dist/')).join(', ')})`);
  assert.equal(readme.toString('utf8'), source, `the packed README is ${readmeArg}`);
  assert.deepEqual([...packed.keys()].filter((f) => /(^|\/)readme(\.|$)/i.test(f) && !f.startsWith('dist/')), ['readme.md']);
});

test('every link of the packed README, and of every packed doc it leads to, resolves inside the package', () => {
  const queue = ['readme.md'];
  const checked = new Set<string>();
  const broken: string[] = [];
  let relative = 0;
  while (queue.length) {
    const file = queue.shift()!;
    if (checked.has(file)) continue;
    checked.add(file);
    const text = packed.get(file)!.toString('utf8');
    for (const { target, image } of targetsOf(text)) {
      if (/^(https?:|mailto:)/i.test(target)) {
        if (image) broken.push(`${file}: image ${target} is not in the package (the page must show it offline)`);
        continue;
      }
      assert.doesNotMatch(target, /^[a-z][\w+.-]*:/i, `${file}: ${target}: an unexpected scheme`);
      relative++;
      const [rawPath, anchor] = target.split('#');
      const resolved = rawPath ? path.posix.normalize(path.posix.join(path.posix.dirname(file), decodeURI(rawPath))) : file;
      if (resolved.startsWith('..') || !packed.has(resolved)) {
        broken.push(`${file}: ${target} -> ${resolved} is not in the package`);
        continue;
      }
      if (resolved.endsWith('.md')) {
        if (anchor && !anchorsOf(packed.get(resolved)!.toString('utf8')).has(anchor)) broken.push(`${file}: ${target}: no heading #${anchor} in ${resolved}`);
        queue.push(resolved);
      } else if (anchor) broken.push(`${file}: ${target}: an anchor into a file that is not Markdown`);
      if (image) {
        assert.match(resolved, /\.png$/i, `${file}: ${target}: the Marketplace takes PNG (not SVG) images`);
        const png = packed.get(resolved)!;
        assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG', `${resolved} is a PNG`);
        assert.ok(png.length < 150_000, `${resolved}: ${png.length} bytes (keep screenshots small)`);
      }
    }
  }
  assert.deepEqual(broken, []);
  assert.ok(relative >= 10, `the README links the user docs (${relative} relative links)`);
  // The docs it leads to ship, and that is all the Markdown there is to read offline.
  for (const doc of ['docs/magics.md', 'docs/formats.md', 'docs/views.md', 'docs/method.md']) assert.ok(checked.has(doc), `${doc} is reached from the README`);
});

test('the packed README is written for users: how to start, formats, a screenshot, citation, attribution; no developer commands', () => {
  const text = packed.get('readme.md')!.toString('utf8');
  // No developer set-up or commands that only work in a checkout of the repository.
  for (const dev of [/\bnpm\s+(install|i|ci|start|test|run|link)\b/, /\bnpx\b/, /npm run bench|\bbench\//, /node dist\//, /\.tools\//, /scripts\//, /\bissue \d+/i]) {
    assert.doesNotMatch(text, dev, `developer content ${dev}`);
  }
  assert.ok(targetsOf(text).some((t) => t.image && /\.png$/.test(t.target)), 'a screenshot');
  assert.match(text, /Resolve features/, 'how to start: the Explorer command');
  assert.match(text, /%resolve/, 'how to start: the magics');
  for (const format of ['.onnx', '.h5', '.keras', 'model.json', 'Keras 1, 2 and 3', 'TensorFlow.js', 'ONNX']) assert.ok(text.includes(format), `format ${format}`);
  // The paper: Liu, Zeng & Gifford, BMC Bioinformatics 2019.
  assert.match(text, /Liu G, Zeng H, Gifford DK/);
  assert.match(text, /BMC Bioinformatics\*? 20, 480 \(2019\)/);
  assert.ok(text.includes('10.1186/s12859-019-3101-5'), 'the paper\u2019s DOI');
  // JASPAR's licence asks for attribution wherever the collection is shipped.
  assert.match(text, /JASPAR 2024/);
  assert.match(text, /Creative Commons Attribution 4\.0|CC BY 4\.0/);
  assert.ok(text.includes('10.1093/nar/gkad1059'), 'the JASPAR 2024 paper\u2019s DOI');
});
