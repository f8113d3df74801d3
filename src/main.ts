import { existsSync } from 'node:fs';
import { runCli } from './cli.js';

// `npm start`: the worker, with the same options as `npm run cli -- run`. A .env file in the
// working directory is read first (variables already set in the environment win).
if (existsSync('.env')) process.loadEnvFile('.env');
runCli(['run', ...process.argv.slice(2)]).then((code) => {
  process.exitCode = code;
});
