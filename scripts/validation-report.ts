/**
 * `npm run validate`: runs DeepResolve on the synthetic model of test/fixtures/synthetic, prints
 * the ground-truth checks (check, class, measured value, threshold, pass) and writes them into
 * docs/validation.md between its results markers (the prose around them is kept).
 * Exits with status 1 when a check fails. For experiments: `--fixture DIR` analyses another
 * fixture (written by `validation-train.ts --out DIR`) and prints the table without writing the doc.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyseFixture } from '../test/validation/analysis';
import { allChecks } from '../test/validation/checks';
import { consoleTable, experimentSummary, resultsMarkdown } from '../test/validation/report';

const DOC = path.resolve(__dirname, '../docs/validation.md');
const BEGIN = '<!-- results:begin (written by npm run validate) -->';
const END = '<!-- results:end -->';

async function main() {
  const at = process.argv.indexOf('--fixture');
  const dir = at >= 0 ? path.resolve(process.argv[at + 1]) : undefined;
  const analysis = await analyseFixture(undefined, dir);
  const validation = allChecks(analysis);
  console.log(consoleTable(validation));
  const failed = validation.rows.filter((r) => !r.pass);
  console.log(`\n${validation.rows.length - failed.length} of ${validation.rows.length} pass`);
  if (dir) {
    console.log(experimentSummary(analysis, validation));
    if (failed.length) process.exitCode = 1;
    return;
  }
  const text = fs.existsSync(DOC) ? fs.readFileSync(DOC, 'utf8') : `# Validation\n\n${BEGIN}\n${END}\n`;
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${DOC}: results markers missing`);
  fs.writeFileSync(DOC, text.slice(0, start + BEGIN.length) + '\n' + resultsMarkdown(analysis, validation) + '\n' + text.slice(end));
  console.log(`wrote ${path.relative(process.cwd(), DOC)}`);
  if (failed.length) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
