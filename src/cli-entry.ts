#!/usr/bin/env node
/**
 * The `deepresolve` command (dist/cli.js). It only switches source maps on when DEEPRESOLVE_DEBUG
 * asks for stack traces, then loads the CLI bundle (dist/cli-main.js, from src/cli.ts): Node reads
 * a bundle's source map only if they are on when it loads the bundle, and only mapped traces name
 * the TypeScript files and lines. Off by default: reading the map costs start-up time. Otherwise
 * the bundle is loaded with its V8 code cache when there is one for this Node (code-cache.ts).
 * The hashbang (kept first by esbuild) lets `npm link` / package.json `bin` run the file as
 * `deepresolve`: without it a shell read the bundle as a shell script.
 */
import * as path from 'node:path';
import { requireBundle } from './code-cache';
import { debugEnabled } from './engine/errors';
import { mark, markPeakMemory } from './engine/timing';

const debug = debugEnabled();
if (debug) process.setSourceMapsEnabled(true);
// A path computed at run time, so the bundler leaves the CLI bundle out of this one; with the
// code cache the build leaves beside it, when this Node made it (code-cache.ts).
mark('node start');
const cli = requireBundle(path.join(__dirname, 'cli-main.js'), !debug) as typeof import('./cli');
mark('CLI bundle loaded');
cli.main(process.argv.slice(2)).then((code) => {
  mark('command done');
  process.exitCode = code;
});
process.once('exit', () => {
  mark('event loop empty');
  markPeakMemory();
});
