/*
 * A service for the network tests, run inside a network namespace the test made
 * (`ip netns exec <ns> node --import tsx namespace-service.ts <reply> <port> [<dns-answer>]`):
 * an HTTP server on every address of the namespace (IPv4 and IPv6) answering `<reply>`, and,
 * with a third argument, a DNS server on UDP port 53 answering every A query with that address.
 * It prints `ready` once listening and `hit <client address>` for each HTTP request.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:http';

const [reply, portText, dnsAnswer] = process.argv.slice(2);
if (!reply || !portText) throw new Error('usage: namespace-service.ts <reply> <port> [<dns-answer>]');

const http = createServer((req, res) => {
  console.log(`hit ${req.socket.remoteAddress}`);
  res.end(`${reply}\n`);
});
await new Promise<void>((resolve) => http.listen({ port: Number(portText), host: '::', ipv6Only: false }, resolve));

if (dnsAnswer) {
  const answer = dnsAnswer.split('.').map(Number);
  const dns = createSocket({ type: 'udp4' });
  dns.on('message', (query, from) => {
    // header (12 bytes), then one question: labels, a zero byte, QTYPE, QCLASS
    let end = 12;
    while (end < query.length && query[end] !== 0) end += query[end]! + 1;
    const question = query.subarray(12, end + 5);
    const isA = query.readUInt16BE(end + 1) === 1;
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2); // id
    header.writeUInt16BE(0x8180, 2); // a response, recursion desired and available, no error
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(isA ? 1 : 0, 6);
    const record = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...answer]);
    dns.send(Buffer.concat([header, question, ...(isA ? [record] : [])]), from.port, from.address);
  });
  await new Promise<void>((resolve) => dns.bind(53, '0.0.0.0', resolve));
}
console.log('ready');
