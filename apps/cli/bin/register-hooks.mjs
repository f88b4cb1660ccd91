// Registers ts-loader.mjs's module hooks, so that this process (or a thread started with
// `--import <this file>`, such as a worker's communication thread) can load ringtrain's TypeScript sources.
import { register } from 'node:module';

register('./ts-loader.mjs', import.meta.url);
