/**
 * `npm run validate`: runs DeepResolve on the synthetic model of test/fixtures/synthetic, prints
 * the ground-truth checks (check, class, measured value, threshold, pass) and writes them into
 * docs/validation.md between its results markers (the prose around them is kept).
 * Exits with status 1 when a check fails.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyseFixture } from '../test/validation/analysis';
import { allChecks } from '../test/validation/checks';
import { consoleTable, resultsMarkdown } from '../test/validation/report';

const DOC = path.resolve(__dirname, '../docs/validation.md');
const BEGIN = '<!-- results:begin (written by npm run validate) -->';
const END = '<!-- results:end -->';

async function main() {
  const analysis = await analyseFixture();
  const validation = allChecks(analysis);
  console.log(consoleTable(validation));
  const failed = validation.rows.filter((r) => !r.pass);
  console.log(`\n${validation.rows.length - failed.length} of ${validation.rows.length} pass`);
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
