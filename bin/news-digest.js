#!/usr/bin/env node
// Package bin: runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';
register();
const { loadDotEnv } = await import('../src/config/env.ts');
loadDotEnv();
await import('../src/cli.ts').then((m) => m.runCli(process.argv.slice(2))).then((code) => {
  process.exitCode = code;
});
