export * from './loopback.js';
export * from './providers.js';
