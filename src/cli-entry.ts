#!/usr/bin/env node
/**
 * The `deepresolve` command (dist/cli.js). It only switches source maps on when DEEPRESOLVE_DEBUG
 * asks for stack traces, then loads the CLI bundle (dist/cli-main.js, from src/cli.ts): Node reads
 * a bundle's source map only if they are on when it loads the bundle, and only mapped traces name
 * the TypeScript files and lines. Off by default: reading the map costs start-up time.
 * The hashbang (kept first by esbuild) lets `npm link` / package.json `bin` run the file as
 * `deepresolve`: without it a shell read the bundle as a shell script.
 */
import * as path from 'node:path';
import { debugEnabled } from './engine/errors';
import { mark } from './engine/timing';

if (debugEnabled()) process.setSourceMapsEnabled(true);
// A path computed at run time, so the bundler leaves the CLI bundle out of this one.
mark('node start');
const cli = require(path.join(__dirname, 'cli-main.js')) as typeof import('./cli');
mark('CLI bundle loaded');
cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
