/**
 * `predict`: FASTA reading, one-hot encoding in the model's input layout, TSV columns and values
 * against model.predict on one-hot inputs built here, batching, refusals, the CLI's exit codes
 * and the %predict magic in a real worker thread.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../../src/engine/backend';
import { UserError } from '../../src/engine/errors';
import { readFasta } from '../../src/engine/fasta';
import type { LoadedModel } from '../../src/engine/load/model';
import { float32Text, predictFasta } from '../../src/engine/predict';
import { bpnetModel, deepstarrModel, viaKerasH5 } from '../helpers/multi-output-models';
import { loaded, seededWeights } from '../helpers/models';
import { tempDir } from '../helpers/write-models';

const work = tempDir('predict-test-');

/** Seeded random DNA with some lowercase letters and Ns. */
function sequences(n: number, length: number, seed = 3): string[] {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: n }, () =>
    Array.from({ length }, () => {
      const r = next();
      const base = 'ACGT'[Math.floor(next() * 4)];
      return r < 0.05 ? 'N' : r < 0.2 ? base.toLowerCase() : base;
    }).join(''),
  );
}

function fasta(name: string, seqs: string[], ids = seqs.map((_, i) => `seq${i + 1}`)): string {
  const file = path.join(work, name);
  // Sequences wrapped at 15 letters per line, as FASTA writers do.
  fs.writeFileSync(file, seqs.map((q, i) => `>${ids[i]} some description\n${q.match(/.{1,15}/g)!.join('\n')}\n`).join(''));
  return file;
}

/** One-hot (L, 4) rows for A, C, G, T (any case); N and other letters all zeros. Written independently of the encoder. */
function oneHotLengthFirst(seq: string): number[][] {
  return [...seq].map((c) => [0, 1, 2, 3].map((b) => (c.toUpperCase() === 'ACGT'[b] ? 1 : 0)));
}

async function tsvOf(model: LoadedModel, file: string, batchSize?: number) {
  let text = '';
  const r = await predictFasta(model, file, (t) => (text += t), { batchSize });
  const [header, ...rows] = text.trimEnd().split('\n').map((l) => l.split('\t'));
  assert.equal(r.rows, rows.length, 'rows counted');
  return { header, rows, text, columns: r.columns };
}

async function refused(run: Promise<unknown>, message: RegExp) {
  await assert.rejects(run, (err: unknown) => {
    assert.ok(err instanceof UserError, `expected a UserError, got ${err}`);
    assert.match(err.message, message);
    assert.ok(!err.message.includes('\n'));
    return true;
  });
}

describe('predict', () => {
  let deepstarr: LoadedModel;
  let bpnet: LoadedModel;
  before(async () => {
    await useBackend('cpu');
    deepstarr = await viaKerasH5(deepstarrModel(40), 'deepstarr');
    bpnet = await viaKerasH5(bpnetModel(32), 'bpnet');
  });

  test('two outputs: id, then one column per output, values equal model.predict on the same one-hot inputs', async () => {
    const seqs = sequences(7, 40);
    const file = fasta('ds.fa', seqs);
    const { header, rows, columns } = await tsvOf(deepstarr, file, 3);
    assert.deepEqual(header, ['id', 'Dense_Dev', 'Dense_Hk']);
    assert.deepEqual(columns, ['Dense_Dev', 'Dense_Hk']);
    assert.deepEqual(rows.map((r) => r[0]), seqs.map((_, i) => `seq${i + 1}`));
    const x = tf.tensor3d(seqs.map(oneHotLengthFirst));
    const [dev, hk] = (deepstarr.model.predict(x) as tf.Tensor[]).map((t) => t.dataSync());
    rows.forEach((r, i) => {
      assert.equal(Math.fround(Number(r[1])), dev[i], `row ${i} Dense_Dev`);
      assert.equal(Math.fround(Number(r[2])), hk[i], `row ${i} Dense_Hk`);
    });
  });

  test('a profile output is flattened row-major as profile[l,c], or in the file\'s own layout (toNative) as profile[c,l]', async () => {
    const seqs = sequences(3, 32, 9);
    const file = fasta('bp.fa', seqs);
    const x = tf.tensor3d(seqs.map(oneHotLengthFirst));
    const [profile, counts] = (bpnet.model.predict(x) as tf.Tensor[]).map((t) => t.arraySync() as number[][][] & number[][]);
    const plain = await tsvOf(bpnet, file);
    assert.equal(plain.header.length, 1 + 32 * 2 + 1);
    assert.deepEqual(plain.header.slice(0, 4), ['id', 'profile[0,0]', 'profile[0,1]', 'profile[1,0]']);
    assert.equal(plain.header[plain.header.length - 1], 'counts');
    const native = await tsvOf({ ...bpnet, outputs: [{ name: 'profile_out', toNative: [0, 2, 1] }, { name: 'counts_out', toNative: null }] }, file);
    assert.deepEqual(native.header.slice(0, 4), ['id', 'profile_out[0,0]', 'profile_out[0,1]', 'profile_out[0,2]']);
    assert.equal(native.header[33], 'profile_out[1,0]');
    assert.equal(native.header[65], 'counts_out');
    for (let i = 0; i < 3; i++) {
      for (let l = 0; l < 32; l++) {
        for (let c = 0; c < 2; c++) {
          assert.equal(Math.fround(Number(plain.rows[i][1 + l * 2 + c])), Math.fround(profile[i][l][c]));
          assert.equal(Math.fround(Number(native.rows[i][1 + c * 32 + l])), Math.fround(profile[i][l][c]));
        }
      }
      assert.equal(Math.fround(Number(native.rows[i][65])), Math.fround(counts[i][0]));
    }
  });

  test('a channels-first input (4, L) is encoded along its own axes', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.permute({ inputShape: [4, 20], dims: [2, 1] }),
        tfl.layers.conv1d({ filters: 3, kernelSize: 5, activation: 'relu' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 2, activation: 'sigmoid', name: 'y' }),
      ],
    });
    seededWeights(model, 12);
    const seqs = sequences(4, 20, 5);
    const { header, rows } = await tsvOf(loaded(model, 'cf'), fasta('cf.fa', seqs));
    assert.deepEqual(header, ['id', 'y[0]', 'y[1]']);
    // (4, L): letters along the first axis.
    const x = tf.tensor3d(seqs.map((q) => [0, 1, 2, 3].map((b) => oneHotLengthFirst(q).map((row) => row[b]))));
    const y = (model.predict(x) as tf.Tensor).arraySync() as number[][];
    rows.forEach((r, i) => [0, 1].forEach((u) => assert.equal(Math.fround(Number(r[1 + u])), Math.fround(y[i][u]), 'after the final sigmoid')));
    assert.ok(y.flat().every((v) => v > 0 && v < 1), 'sigmoid outputs');
  });

  test('batches: never more sequences at once than the batch size, and the same values as one batch', async () => {
    const seqs = sequences(11, 40, 21);
    const file = fasta('batch.fa', seqs);
    const sizes: number[] = [];
    const model = deepstarr.model;
    const original = model.predict.bind(model);
    model.predict = ((x: tf.Tensor, args?: object) => {
      sizes.push(x.shape[0]);
      return original(x, args);
    }) as typeof model.predict;
    try {
      const small = await tsvOf(deepstarr, file, 4);
      assert.deepEqual(sizes, [4, 4, 3]);
      const whole = await tsvOf(deepstarr, file, 100);
      assert.equal(whole.text, small.text);
    } finally {
      model.predict = original;
    }
  });

  test('wrong lengths, empty and malformed files are refused naming the sequence or the file', async () => {
    const seqs = sequences(3, 40);
    seqs[1] = seqs[1].slice(0, 37);
    await refused(tsvOf(deepstarr, fasta('short.fa', seqs, ['a', 'chr2:100-137', 'c'])), /short\.fa: sequence 'chr2:100-137' \(line 5\) has length 37; the model's input length is 40$/);
    const empty = path.join(work, 'empty.fa');
    fs.writeFileSync(empty, '\n\n');
    await refused(tsvOf(deepstarr, empty), /empty\.fa: empty FASTA file \(no '>' record\)$/);
    const noHeader = path.join(work, 'plain.txt');
    fs.writeFileSync(noHeader, 'ACGT\n>x\nACGT\n');
    await refused(tsvOf(deepstarr, noHeader), /plain\.txt: line 1: not FASTA \(a file starts with a '>' header line\)$/);
    const digits = path.join(work, 'digits.fa');
    fs.writeFileSync(digits, '>x\nACGT\nAC1T\n');
    await refused(tsvOf(deepstarr, digits), /digits\.fa: line 3: unexpected character "1" in the sequence of 'x' \(letters only\)$/);
    const noSeq = path.join(work, 'noseq.fa');
    fs.writeFileSync(noSeq, '>x\n>y\nACGT\n');
    await refused(tsvOf(deepstarr, noSeq), /noseq\.fa: line 1: record 'x' has no sequence$/);
    await refused(tsvOf(deepstarr, path.join(work, 'missing.fa')), /missing\.fa: no such file$/);
  });

  test('the reader: CRLF, blank lines, comments before the first record, descriptions', async () => {
    const file = path.join(work, 'crlf.fa');
    fs.writeFileSync(file, '; old comment\r\n\r\n>one first record\r\nAC GT\r\nNN\r\n\r\n>two\r\nacgt\r\n');
    const records = [];
    for await (const r of readFasta(file)) records.push(r);
    assert.deepEqual(records, [
      { id: 'one', description: 'first record', sequence: 'ACGTNN', line: 3 },
      { id: 'two', description: '', sequence: 'acgt', line: 7 },
    ]);
  });

  test('numbers are the shortest text that reads back as the same float32', () => {
    for (const v of [0.1, 1 / 3, -2.5e-8, 123456.789, 1, 0]) {
      const t = float32Text(v);
      assert.equal(Math.fround(Number(t)), Math.fround(v));
      assert.ok(t.length <= String(Math.fround(v)).length);
    }
    assert.equal(float32Text(0.1), '0.1');
  });

  test('a model whose input is not one-hot DNA is refused', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [7], units: 2 })] });
    await refused(tsvOf(loaded(model, 'dense'), fasta('x.fa', ['ACGTACG'])), /dense\/model\.json: predict needs a model whose input is one-hot DNA; its input is \(7\)$/);
  });
});

describe('deepresolve predict (CLI)', () => {
  const root = path.resolve(__dirname, '../..');
  const cli = path.join(root, 'dist/cli.js');
  let model = '';
  const seqs = sequences(5, 40, 77);
  before(async () => {
    if (!fs.existsSync(cli)) spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
    await useBackend('cpu');
    model = (await viaKerasH5(deepstarrModel(40), 'cli-deepstarr')).path;
  });
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [cli, ...args], { cwd: work, encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  test('TSV on standard output, or to --out; both the same', async () => {
    const file = fasta('cli.fa', seqs);
    const r = run('predict', model, '--fasta', file, '--backend', 'cpu');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'id\tDense_Dev\tDense_Hk');
    assert.equal(lines.length, 6);
    const out = path.join(work, 'sub', 'scores.tsv');
    const w = run('predict', model, '--fasta', file, '--out', out, '--backend', 'cpu');
    assert.equal(w.code, 0, w.stderr);
    assert.equal(fs.readFileSync(out, 'utf8'), r.stdout);
    assert.match(w.stdout, /^5 sequences × 2 output columns of cli-deepstarr\.h5: .*scores\.tsv\n$/);
    assert.deepEqual(fs.readdirSync(path.dirname(out)), ['scores.tsv'], 'no temporary file left');
    // The values: model.predict here, on one-hot inputs built here, from the same weights.
    const loadedAgain = await viaKerasH5(deepstarrModel(40), 'again');
    const [dev] = (loadedAgain.model.predict(tf.tensor3d(seqs.map(oneHotLengthFirst))) as tf.Tensor[]).map((t) => t.dataSync());
    lines.slice(1).forEach((l, i) => assert.equal(Math.fround(Number(l.split('\t')[1])), dev[i]));
  });

  test('user errors: exit code 1 and one line on stderr, nothing on stdout', () => {
    const bad = fasta('cli-bad.fa', [seqs[0], seqs[1].slice(0, 30)], ['ok', 'too_short']);
    for (const [args, message] of [
      [['predict', model, '--fasta', bad], /^deepresolve: .*cli-bad\.fa: sequence 'too_short' \(line 5\) has length 30; the model's input length is 40\n$/],
      [['predict', model], /^deepresolve: predict needs --fasta FILE \(the sequences to predict\)\n$/],
      [['predict', model, '--fasta', path.join(work, 'nope.fa')], /^deepresolve: .*nope\.fa: no such file\n$/],
      [['predict', model, '--fasta', bad, '--outt', 'x'], /^deepresolve: unknown option --outt for predict \(did you mean --out\?\)\n$/],
    ] as const) {
      const r = run(...args, '--backend', 'cpu');
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
  });

  test('help lists predict and its options', () => {
    const r = run('help');
    assert.match(r.stdout, /deepresolve predict MODEL --fasta F/);
    const h = run('help', 'predict');
    assert.match(h.stdout, /--fasta FILE/);
    assert.match(h.stdout, /--out FILE/);
  });
});

describe('%predict and %layers in a notebook session (real worker thread)', () => {
  const ROOT = path.resolve(__dirname, '..', '..');
  const ENTRY = `require('tsx/cjs'); require(${JSON.stringify(path.join(ROOT, 'src/worker/worker.ts'))});`;
  let client: import('../../src/worker/client').WorkerClient;
  let folder = '';
  before(async () => {
    const { Worker } = await import('node:worker_threads');
    const { WorkerClient } = await import('../../src/worker/client');
    client = new WorkerClient({ create: () => new Worker(ENTRY, { eval: true }) });
    await useBackend('cpu');
    folder = tempDir('predict-notebook-');
    const m = await viaKerasH5(bpnetModel(32), 'bpnet');
    fs.copyFileSync(m.path, path.join(folder, 'bpnet.h5'));
  });

  test('the table of the first rows (names escaped) and the whole TSV, as the engine writes it; --out writes it too; %layers lists the outputs', async () => {
    const { runMagic } = await import('../../src/notebook/run-magic');
    const { parseMagicLine } = await import('../../src/notebook/magics');
    const { Session } = await import('../../src/notebook/session');
    const seqs = sequences(12, 32, 5);
    const ids = seqs.map((_, i) => (i === 0 ? 'chr1|<b>x</b>' : `s${i}`));
    fs.writeFileSync(path.join(folder, 'seqs.fa'), seqs.map((q, i) => `>${ids[i]}\n${q}\n`).join(''));
    const session = new Session(folder);
    const ctx = { session, client, defaults: { backend: 'cpu' as const } };
    try {
      const [loadedOut] = await runMagic(parseMagicLine('%load_model bpnet.h5'), ctx);
      assert.match(loadedOut.items.find((i) => i.mime === 'text/plain')!.value as string, /^Loaded bpnet \(keras-h5\): 3 classes from 2 outputs \(profile, counts; --output NAME picks one\), 8 layers; default analysis layer 'add_4' \(8 features\)/);
      const [out] = await runMagic(parseMagicLine('%predict seqs.fa --out scores.tsv'), ctx);
      const item = (mime: string) => out.items.find((i) => i.mime === mime)?.value as string;
      let expected = '';
      await predictFasta(await viaKerasH5(bpnetModel(32), 'again'), path.join(folder, 'seqs.fa'), (t) => (expected += t));
      assert.equal(item('text/tab-separated-values'), expected, 'the same TSV as the engine');
      assert.equal(fs.readFileSync(path.join(folder, 'scores.tsv'), 'utf8'), expected);
      const md = item('text/markdown');
      // Names are escaped by the shared rule (src/shared/escape.ts); our own words stay as written.
      assert.match(md, /^\*\*Predictions of bpnet for seqs&#46;fa: 12 sequences × 65 output columns \(first 10 shown\)\*\*/);
      assert.ok(md.includes('| id | profile&#91;0,0&#93; |'), md.split('\n')[2]);
      assert.ok(!md.includes('<b>') && md.includes('chr1&#124;&#60;b&#62;x'), 'a FASTA name cannot inject HTML or a table cell into the Markdown');
      assert.ok(md.includes('… 57 more'));
      assert.equal(md.split('\n').filter((l) => l.startsWith('| s')).length, 9, 'ten rows shown');
      assert.match(item('text/plain'), /^Predictions of bpnet for seqs\.fa: 12 sequences × 65 output columns \(first 10 shown\)\n/);
      const [layers] = await runMagic(parseMagicLine('%layers'), ctx);
      const plain = layers.items.find((i) => i.mime === 'text/plain')!.value as string;
      assert.match(plain, /Outputs \(--output NAME or all\)\noutput\s+layer\s+shape\s+classes/);
      assert.match(plain, /profile\s+profile\s+\(32, 2\)\s+2\s+profile: summed over positions/);
      assert.match(plain, /counts\s+counts\s+\(1\)\s+1/);
      await assert.rejects(runMagic(parseMagicLine('%predict nope.fa'), ctx), /nope\.fa: no such file/);
      // Completions follow the option table: FASTA files first, then models; --output offers the model's outputs.
      const { complete } = await import('../../src/language/complete');
      const labels = (line: string) => complete(line, session, folder).map((c) => c.label);
      assert.deepEqual(labels('%predict '), ['seqs.fa']);
      assert.ok(labels('%predict seqs.fa ').includes('bpnet'));
      assert.deepEqual(labels('%resolve --output '), ['all', 'profile', 'counts']);
      assert.ok(labels('%predict seqs.fa --').includes('--out') && !labels('%predict seqs.fa --').includes('--fasta'));
    } finally {
      await client.dispose();
    }
  });
});
