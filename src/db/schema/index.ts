export * from './api-keys.js';
export * from './tasks.js';
export * from './datasets.js';
export * from './label-runs.js';
export * from './model-versions.js';
export * from './fine-tunes.js';
export * from './evaluations.js';
export * from './routing.js';
