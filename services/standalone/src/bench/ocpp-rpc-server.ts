// Child process of the gateway load bench: two more baselines beside the raw `ws` echo. An ocpp-rpc central system
// in strict mode (the gateway's transport and validation, with answers that take no work), either on the main thread
// (BENCH_OCPP_THREAD=main) or on a worker thread that hands every CALL to the main thread through a MessagePort and
// sends the answer it gets back (BENCH_OCPP_THREAD=worker): what the main thread still pays per CALL when the OCPP
// transport runs elsewhere.
import { createServer } from 'node:http';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { RPCServer, type RPCClient } from 'ocpp-rpc';
import { openFileLimit } from './process-stats';

/** A CALL as the worker hands it over: with its params, whose copy to the main thread is part of what is measured. */
interface ForwardedCall {
  readonly id: number;
  readonly method: string;
  readonly params: unknown;
}

let transactionId = 0;

/** The answers, computed where the gateway would compute them (the main thread). */
function answer(method: string): Record<string, unknown> {
  switch (method) {
    case 'BootNotification':
      return { status: 'Accepted', currentTime: new Date().toISOString(), interval: 30 };
    case 'StartTransaction':
      return { transactionId: ++transactionId, idTagInfo: { status: 'Accepted' } };
    case 'Heartbeat':
      return { currentTime: new Date().toISOString() };
    default:
      return {};
  }
}

/** Listens on 127.0.0.1; each CALL is answered by `handle`. Reports the port through `listening`. */
function serve(handle: (method: string, params: unknown) => Promise<Record<string, unknown>> | Record<string, unknown>, listening: (port: number) => void): void {
  const rpc = new RPCServer({ protocols: ['ocpp1.6'], strictMode: true, callConcurrency: 1, pingIntervalMs: 0, maxBadMessages: Infinity });
  rpc.on('client', (client: RPCClient) => client.handle(async ({ method = '', params }) => handle(method, params)));
  const http = createServer((_request, response) => response.writeHead(404).end());
  http.on('upgrade', (request, socket, head) => void rpc.handleUpgrade(request, socket as never, head));
  http.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
    const address = http.address();
    listening(typeof address === 'object' && address !== null ? address.port : 0);
  });
}

if (isMainThread && process.env['BENCH_OCPP_THREAD'] === 'worker') {
  const worker = new Worker(__filename);
  worker.on('message', (message: ForwardedCall | { kind: 'listening'; port: number }) => {
    if ('kind' in message) {
      process.send?.({ kind: 'listening', port: message.port, openFileLimit: openFileLimit() });
      return;
    }
    worker.postMessage({ id: message.id, result: answer(message.method) });
  });
  worker.on('error', (error) => process.send?.({ kind: 'error', error: String(error) }));
  process.on('disconnect', () => void worker.terminate().then(() => process.exit(0)));
} else if (isMainThread) {
  serve(answer, (port) => process.send?.({ kind: 'listening', port, openFileLimit: openFileLimit() }));
  process.on('disconnect', () => process.exit(0));
} else {
  let nextId = 0;
  const waiting = new Map<number, (result: Record<string, unknown>) => void>();
  parentPort!.on('message', ({ id, result }: { id: number; result: Record<string, unknown> }) => {
    waiting.get(id)?.(result);
    waiting.delete(id);
  });
  serve(
    (method, params) =>
      new Promise((resolve) => {
        const id = ++nextId;
        waiting.set(id, resolve);
        parentPort!.postMessage({ id, method, params } satisfies ForwardedCall);
      }),
    (port) => parentPort!.postMessage({ kind: 'listening', port }),
  );
}
