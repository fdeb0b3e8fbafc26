#!/usr/bin/env node
// Runs the TypeScript CLI straight from the checkout through tsx, so `npx syncline` needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
