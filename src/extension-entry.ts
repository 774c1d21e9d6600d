/**
 * The extension's entry point (dist/extension.js, package.json "main"). It only switches source
 * maps on when DEEPRESOLVE_DEBUG asks for stack traces (the extension host must be started with it
 * set), then loads the extension bundle (dist/extension-main.js, from src/extension.ts): Node reads
 * a bundle's source map only if they are on when it loads the bundle. The analysis worker gets
 * --enable-source-maps itself (extension.ts).
 */
import * as path from 'node:path';
import { debugEnabled } from './engine/errors';

if (debugEnabled()) process.setSourceMapsEnabled(true);
// A path computed at run time, so the bundler leaves the extension bundle out of this one.
const extension = require(path.join(__dirname, 'extension-main.js')) as typeof import('./extension');
export const activate = extension.activate;
export const deactivate = extension.deactivate;
