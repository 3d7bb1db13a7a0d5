/**
 * Runs the vpnsync CLI in this process and, at exit, prints its peak resident set size as the
 * last stderr line (`maxrss-kib N`), so the benchmark can measure a pull's memory on its own.
 */
import { main } from '../cli/main.js';

const code = await main(process.argv.slice(2));
process.stderr.write(`maxrss-kib ${process.resourceUsage().maxRSS}\n`);
process.exitCode = code;
