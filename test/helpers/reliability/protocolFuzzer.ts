import WebSocket from 'ws';
import { bump, newTally, type FuzzTally } from './fuzzers';
import { sleep } from './clients';

/**
 * Frames no Socket.IO client would send: broken packet types and JSON, binary
 * attachment counts that lie, invalid UTF-8 in a text frame, a frame over the
 * 1 MB limit. The protocol's answer to these is closing that one connection;
 * what must hold is that nothing else notices.
 */
const MALFORMED: Array<{ name: string; frame: string | Buffer; binary?: boolean }> = [
  { name: 'unknown engine.io type', frame: '9' },
  { name: 'unknown socket.io type', frame: '49' },
  { name: 'truncated event JSON', frame: '42["device_data",{' },
  { name: 'event not an array', frame: '42{"device_data":1}' },
  { name: 'empty event array', frame: '42[]' },
  { name: 'event name a number', frame: '42[12345,{}]' },
  { name: 'event name an object', frame: '42[{"a":1},{}]' },
  { name: 'ack id overflow', frame: '4299999999999999999999999["ping",{}]' },
  { name: 'ack for nothing', frame: '431[{"ok":true}]' },
  { name: 'binary placeholder never sent', frame: '451-["device_data",{"_placeholder":true,"num":0}]' },
  { name: 'binary count lies', frame: '4599-["device_data",{}]' },
  { name: 'unknown namespace', frame: '42/nowhere,["ping",{}]' },
  { name: 'connect to unknown namespace', frame: '40/admin,' },
  ...['disconnect', 'disconnecting', 'connect', 'connect_error', 'newListener', 'removeListener'].map((name) => ({ name: `reserved event name "${name}"`, frame: `421["${name}",{"reason":"forged"}]` })),
  { name: 'nul bytes', frame: '42["ping\u0000",{"\u0000":"\u0000"}]' },
  { name: 'invalid UTF-8 text frame', frame: Buffer.from([0x34, 0x32, 0x5b, 0x22, 0xc3, 0x28, 0xff, 0xfe, 0x22, 0x5d]) },
  { name: 'binary frame without header', frame: Buffer.from([0, 1, 2, 3, 255]), binary: true },
  { name: 'frame over 1 MB', frame: `42["device_data",{"data_type":"x","values":{"v":"${'w'.repeat(1_100_000)}"}}]` }
];

export async function fuzzSocketIoProtocol(url: string, token: string, rounds: number): Promise<FuzzTally> {
  const tally = newTally('socket.io wire protocol (malformed frames)');
  for (let round = 0; round < rounds; round += 1) {
    await Promise.all(
      MALFORMED.map(
        (m) =>
          new Promise<void>((resolve) => {
            const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false });
            let outcome = 'no reaction';
            const done = (what: string) => {
              outcome = what;
              ws.terminate();
            };
            const timer = setTimeout(() => done('still open, ignored'), 1_500);
            ws.on('message', (raw: WebSocket.RawData) => {
              const text = raw.toString();
              if (text === '2') return ws.send('3');
              if (text.startsWith('0')) return ws.send(`40${JSON.stringify({ token })}`);
              if (text.startsWith('40') && text.length > 2 && !text.startsWith('40/')) {
                tally.tried += 1;
                bump(tally.kinds, m.name);
                return ws.send(m.frame, { binary: m.binary ?? false });
              }
              if (text.startsWith('43') || text.startsWith('44')) {
                clearTimeout(timer);
                done(text.startsWith('43') ? 'answered' : 'refused');
              }
            });
            ws.on('close', () => {
              clearTimeout(timer);
              bump(tally.answers, outcome === 'no reaction' ? 'closed by server' : outcome);
              if (outcome === 'no reaction') tally.closedByServer += 1;
              resolve();
            });
            ws.on('error', () => undefined);
          })
      )
    );
    await sleep(20);
  }
  return tally;
}
