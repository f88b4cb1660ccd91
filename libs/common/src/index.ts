export * from './errors.js';
export * from './deadline.js';
export * from './thread-errors.js';
