// E2E: Meetecho's janus-whep-server library (npm) in front of a Janus, with one endpoint for a
// VideoRoom feed; prints its subscribers' comings and goings for the driver.
//   node whep_server.mjs JANUS_WS_URL PORT ROOM FEED ENDPOINT TOKEN
import { JanusWhepServer } from 'janus-whep-server';

const [janusUrl, port, room, feed, endpoint, token] = process.argv.slice(2);
const server = new JanusWhepServer({
  janus: { address: janusUrl },
  rest: { port: Number(port), basePath: '/whep' },
  strictETags: true,
  debug: 'verb',
});
server.on('new-subscriber', (id) => console.log(`rc-e2e: new-subscriber ${id}`));
server.on('subscriber-gone', (id) => console.log(`rc-e2e: subscriber-gone ${id} (${server.countSubscribers()} left)`));
await server.start();
server.createEndpoint({ id: endpoint, plugin: 'videoroom', room: Number(room), feed: Number(feed), token });
console.log(`rc-e2e: WHEP server ready on ${port}`);
// janus-whep-server 1.1.0's destroy() calls a close() janode's connection lacks: just exit.
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => process.exit(0));
