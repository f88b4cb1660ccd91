export * from './errors.js';
export * from './deadline.js';
