import type { LinkRequest, LinkResolver, LinkResult } from '../../src/domain/linking.ts';

/**
 * A LinkResolver over a fixed address book: an address links to the record id given for it. The first Contact or
 * Lead among the people is the WhoId; `whatIds` gives an Account or Opportunity per address. Requests are recorded.
 */
export class MemoryLinkResolver implements LinkResolver {
  readonly requests: LinkRequest[] = [];

  constructor(
    private readonly people: Readonly<Record<string, string>> = {},
    private readonly whatIds: Readonly<Record<string, string>> = {},
  ) {}

  async resolve(requests: readonly LinkRequest[]): Promise<LinkResult[]> {
    this.requests.push(...requests);
    return requests.map((request) => {
      const byAddress: Record<string, string> = {};
      for (const person of request.people) {
        const address = person.address.toLowerCase();
        const id = this.people[address];
        if (id !== undefined) {
          byAddress[address] = id;
        }
      }
      const matched = Object.values(byAddress);
      const whoId = matched.find((id) => id.startsWith('003') || id.startsWith('00Q')) ?? null;
      const whatAddress = request.people.map((person) => person.address.toLowerCase()).find((address) => this.whatIds[address] !== undefined);
      return {
        whoId,
        whatId: whoId?.startsWith('00Q') === true || whatAddress === undefined ? null : this.whatIds[whatAddress]!,
        relationIds: matched.filter((id) => id.startsWith('003') || id.startsWith('00Q')),
        byAddress,
        explanations: [],
        created: { Lead: 0, Contact: 0, Account: 0 },
      };
    });
  }
}
