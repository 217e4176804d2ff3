export * from './message';
export * from './denial';
