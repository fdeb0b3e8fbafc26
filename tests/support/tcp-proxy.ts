import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy in front of a test server that can cut every connection when the server's bytes match a
 * pattern, as a dropped network would in the middle of a response.
 */
export class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private trigger: RegExp | null = null;
  /** Connections cut by the armed trigger so far. */
  drops = 0;
  /** Bytes relayed from the server to the clients so far. */
  bytesFromServer = 0;

  constructor(private readonly targetPort: number) {}

  async start(): Promise<number> {
    this.server = createServer((client) => this.relay(client));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  /** Cut the connection once the server sends bytes matching `pattern`; the matching chunk is half delivered. */
  dropWhenServerSends(pattern: RegExp): void {
    this.trigger = pattern;
  }

  async stop(): Promise<void> {
    this.sockets.forEach((socket) => socket.destroy());
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private relay(client: Socket): void {
    const upstream = connect(this.targetPort, '127.0.0.1');
    this.sockets.add(client);
    this.sockets.add(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };

    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      this.bytesFromServer += chunk.length;
      if (this.trigger !== null && this.trigger.test(chunk.toString('latin1'))) {
        this.trigger = null;
        this.drops += 1;
        client.write(chunk.subarray(0, Math.floor(chunk.length / 2)), cut);
        return;
      }
      client.write(chunk);
    });
    client.on('error', cut);
    upstream.on('error', cut);
    client.on('close', cut);
    upstream.on('close', cut);
  }
}
