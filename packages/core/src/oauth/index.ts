export * from './errors';
export * from './form';
export * from './input';
