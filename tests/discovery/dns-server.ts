// A real DNS server on loopback for tests (dns2, UDP, random port): answers A/AAAA from a
// small zone table, NXDOMAIN for unknown names, SERVFAIL/REFUSED on request, or never answers.
// It logs every question so tests can see which names were asked.
import dns2 from 'dns2';

const { Packet } = dns2;
type Resource = InstanceType<typeof Packet>['answers'][number];
/** RFC 1035 4.1.1 response codes (dns2's typings omit Packet.RCODE). */
const RCODE = { SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

export interface ZoneEntry {
  readonly a?: readonly string[];
  readonly aaaa?: readonly string[];
  /** Answer with this error code instead of records. */
  readonly rcode?: 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED';
  /** Swallow the question: the client must time out. */
  readonly hang?: boolean;
}

export type Zone = Readonly<Record<string, ZoneEntry>>;

export interface TestDnsServer {
  /** "127.0.0.1:PORT" or "[::1]:PORT", as --dns-server takes it. */
  readonly server: string;
  readonly port: number;
  /** Questions received, lower-case name and "A"/"AAAA"/other type number. */
  readonly questions: { name: string; type: string }[];
  asked(name: string): boolean;
  close(): Promise<void>;
}

export async function startDnsServer(zone: Zone, host: '127.0.0.1' | '::1' = '127.0.0.1'): Promise<TestDnsServer> {
  const questions: { name: string; type: string }[] = [];
  const lower = new Map(Object.entries(zone).map(([k, v]) => [k.toLowerCase(), v]));
  const server = dns2.createServer({
    udp: host === '::1' ? { type: 'udp6' } : true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const q = request.questions[0];
      if (!q) return void send(response);
      const name = q.name.toLowerCase();
      const type = q.type === Packet.TYPE.A ? 'A' : q.type === Packet.TYPE.AAAA ? 'AAAA' : String(q.type);
      questions.push({ name, type });
      const entry = lower.get(name);
      if (entry?.hang) return;
      if (!entry || entry.rcode) {
        response.header.rcode = RCODE[entry?.rcode ?? 'NXDOMAIN'];
        return void send(response);
      }
      const records = type === 'A' ? entry.a : type === 'AAAA' ? entry.aaaa : undefined;
      for (const address of records ?? [])
        response.answers.push({ name: q.name, type: q.type, class: Packet.CLASS.IN, ttl: 60, address } as unknown as Resource);
      void send(response);
    },
  });
  const addresses = await server.listen({ udp: { port: 0, address: host } });
  const port = addresses.udp!.port;
  return {
    server: host === '::1' ? `[::1]:${port}` : `127.0.0.1:${port}`,
    port,
    questions,
    asked: (name) => questions.some((q) => q.name === name.toLowerCase()),
    close: async () => {
      await server.close();
    },
  };
}
