#!/usr/bin/env node
// Tiny launcher: the CLI is compiled to dist/ by `npm install` (the package's prepare script).
import { run } from '../dist/cli/main.js';

await run();
