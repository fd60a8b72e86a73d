export * from './bus.contract';
export * from './wait-for';
