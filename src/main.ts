import { runCli } from './cli.js';
import { loadDotEnv } from './config/env.js';

// `npm start`: the worker, with the same options as `npm run cli -- run`. A .env file in the
// working directory is read first (variables already set in the environment win).
loadDotEnv();

// npm forwards SIGTERM/SIGINT to this process (the start script execs node). Should the process
// that started it die without doing so (SIGKILL to npm, a closed terminal), stop as if told to.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
}, 2000).unref();

runCli(['run', ...process.argv.slice(2)]).then((code) => {
  process.exitCode = code;
});
