export { type FakeCsms, type FakeCsmsOptions, type RecordedCall, type RecordedConnection, startFakeCsms } from './fake-csms';
export { waitFor } from './wait-for';
