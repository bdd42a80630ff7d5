#!/usr/bin/env node
// The server's command (`image-apiserver [flags]`, what `npm start` runs): the sources are TypeScript,
// run through tsx's loader, so the package needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
