// Child process of the gateway load bench: the raw baseline, a `ws` server that negotiates ocpp1.6
// and sends every frame straight back. The generator takes the echoed CALL as its answer.
import { WebSocketServer } from 'ws';
import { openFileLimit } from './process-stats';

const server = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  backlog: 4096,
  perMessageDeflate: false,
  handleProtocols: (protocols) => (protocols.has('ocpp1.6') ? 'ocpp1.6' : false),
});
server.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));
server.on('listening', () => {
  const address = server.address();
  process.send?.({ kind: 'listening', port: typeof address === 'object' && address !== null ? address.port : 0, openFileLimit: openFileLimit() });
});
process.on('disconnect', () => {
  for (const client of server.clients) client.terminate();
  server.close(() => process.exit(0));
});
