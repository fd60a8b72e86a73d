export { type DeliveryAttempt, type FakeCpo, type FakeCpoOptions, followPages, startFakeCpo } from './fake-cpo';
export { fixture } from './fixtures';
export { waitFor } from './wait-for';
