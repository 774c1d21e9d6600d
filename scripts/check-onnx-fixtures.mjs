// Second oracle for the ONNX fixtures: runs every test/fixtures/onnx/<name>.onnx that has an
// <name>.expected.json with ONNX Runtime (onnxruntime-node, a dev dependency), on the one-hot
// encoding of <name>.fa done here independently of the Python script, and compares with the
// PyTorch values. Prints the max abs diff per output; exits 1 if any exceeds the tolerance.
//   node scripts/check-onnx-fixtures.mjs [tolerance]      (default 1e-5)
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'onnx');
const tolerance = Number(process.argv[2] ?? 1e-5);

function readFasta(path) {
  const records = [];
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    if (line.startsWith('>')) records.push({ id: line.slice(1).trim(), sequence: '' });
    else if (line.trim()) records[records.length - 1].sequence += line.trim();
  }
  return records;
}

/** A,C,G,T -> channels 0..3 (case-insensitive), anything else -> zeros; laid out as `layout`. */
function oneHot(seqs, layout) {
  const n = seqs.length;
  const L = seqs[0].length;
  const data = new Float32Array(n * 4 * L);
  seqs.forEach((s, b) => {
    for (let i = 0; i < L; i++) {
      const c = 'ACGT'.indexOf(s[i].toUpperCase());
      if (c < 0) continue;
      const at = layout === 'NLC' ? b * L * 4 + i * 4 + c : b * 4 * L + c * L + i; // NCL and NC1L share the order
      data[at] = 1;
    }
  });
  const dims = layout === 'NLC' ? [n, L, 4] : layout === 'NC1L' ? [n, 4, 1, L] : [n, 4, L];
  return new ort.Tensor('float32', data, dims);
}

let failed = false;
for (const file of readdirSync(dir).filter((f) => f.endsWith('.expected.json')).sort()) {
  const name = file.replace(/\.expected\.json$/, '');
  const expected = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const fasta = readFasta(join(dir, `${name}.fa`));
  const same = fasta.length === expected.sequences.length &&
    fasta.every((r, i) => r.id === expected.sequences[i].id && r.sequence === expected.sequences[i].sequence);
  if (!same) {
    console.log(`${name}: ${name}.fa does not match the sequences in ${file}`);
    failed = true;
    continue;
  }
  const session = await ort.InferenceSession.create(join(dir, expected.model));
  const { name: inputName, layout, batch } = expected.input;
  const seqs = fasta.map((r) => r.sequence);
  // A graph with the batch fixed at 1 is run once per sequence; the results are stacked.
  const groups = batch === 1 ? seqs.map((s) => [s]) : [seqs];
  const got = Object.fromEntries(expected.outputs.map((o) => [o.name, []]));
  for (const group of groups) {
    const result = await session.run({ [inputName]: oneHot(group, layout) });
    for (const o of expected.outputs) got[o.name].push(...result[o.name].data);
  }
  const parts = [];
  for (const o of expected.outputs) {
    const size = o.shape.reduce((a, b) => a * b, 1);
    let max = got[o.name].length === size && o.values.length === size ? 0 : Infinity;
    for (let i = 0; i < o.values.length && max !== Infinity; i++) max = Math.max(max, Math.abs(got[o.name][i] - o.values[i]));
    if (!(max <= tolerance)) failed = true;
    parts.push(`${o.name} [${o.shape}] max abs diff ${max.toExponential(2)}`);
  }
  console.log(`${expected.model.padEnd(30)} ${parts.join('; ')}`);
}
console.log(failed ? `FAILED (tolerance ${tolerance})` : `all within ${tolerance}`);
process.exit(failed ? 1 : 0);
