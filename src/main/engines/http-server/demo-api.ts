// The built-in demo API: `/users` and `/users/:id` shaped like the public placeholder APIs that API
// exercises call (name, email, company.name, address.geo …), so such an exercise runs offline against the
// app's own server. The people and companies are made up. POST /users answers 201 with the posted JSON and
// a new id but stores nothing: the demo stays the same for every user and every run.
export interface DemoUser {
  id: number;
  name: string;
  username: string;
  email: string;
  address: {
    street: string;
    suite: string;
    city: string;
    zipcode: string;
    geo: { lat: string; lng: string };
  };
  phone: string;
  website: string;
  company: { name: string; catchPhrase: string; bs: string };
}

const PEOPLE: [string, string, string, string, string][] = [
  ['Ada Whitfield', 'adaw', 'Harbour Row', 'Port Ellis', 'Northwind Relay'],
  ['Bruno Castell', 'bcastell', 'Mill Lane', 'Eastmere', 'Castell & Daughters'],
  ['Chiara Obi', 'chiobi', 'Quarry Street', 'Lowbridge', 'Obi Signal Works'],
  ['Dmitri Vale', 'dvale', 'Orchard Close', 'Southgate', 'Valewire'],
  ['Esther Nakamura', 'esthern', 'Beacon Hill', 'Kettleby', 'Packetfield'],
  ['Farid Lindqvist', 'faridl', 'Station Road', 'Ashford Vale', 'Lindqvist Routing'],
  ['Greta Oyelaran', 'goyel', 'Copper Way', 'Fenwick', 'Loopback Labs'],
  ['Hugo Maren', 'hmaren', 'Tideway', 'Westholm', 'Maren Latency Co'],
  ['Ines Karlsson', 'ikarl', 'Weaver Street', 'Brackenfield', 'Handshake Partners'],
  ['Jonah Eze', 'jeze', 'Signal Square', 'Holloway Cross', 'Eze Datagrams'],
];

const PHRASES = [
  'Packets delivered in order',
  'Latency you can plan for',
  'Every byte accounted for',
  'Sockets without surprises',
  'Bandwidth with manners',
];
const BS = [
  'orchestrate resilient handshakes',
  'streamline layered protocols',
  'monetise idle keep-alives',
  'harmonise distributed queues',
  'federate loopback pipelines',
];

export function demoUsers(): DemoUser[] {
  return PEOPLE.map(([name, username, street, city, company], i) => {
    const id = i + 1;
    const first = (name.split(' ')[0] ?? name).toLowerCase();
    const domain = `${company.toLowerCase().replace(/[^a-z]+/g, '')}.example`;
    return {
      id,
      name,
      username,
      email: `${first}@${domain}`,
      address: {
        street: `${10 + id * 7} ${street}`,
        suite: `Suite ${100 + id * 11}`,
        city,
        zipcode: `${String(10000 + id * 1234).slice(0, 5)}`,
        geo: { lat: (40 + id * 1.37).toFixed(4), lng: (-70 - id * 2.11).toFixed(4) },
      },
      phone: `+1-555-01${String(id).padStart(2, '0')}`,
      website: domain,
      company: { name: company, catchPhrase: PHRASES[i % PHRASES.length] ?? '', bs: BS[i % BS.length] ?? '' },
    };
  });
}

export interface DemoAnswer {
  status: number;
  body: unknown;
}

/** Answers /users and /users/:id; undefined when the path is not the demo API's. */
export function demoApi(method: string, rawPath: string, body: Uint8Array): DemoAnswer | undefined {
  const m = /^\/users\/?(?:([^/]+)\/?)?$/.exec(rawPath);
  if (!m) return undefined;
  const users = demoUsers();
  const idText = m[1];
  if (idText === undefined) {
    if (method === 'GET' || method === 'HEAD') return { status: 200, body: users };
    if (method === 'POST') {
      let posted: unknown;
      try {
        posted = JSON.parse(Buffer.from(body).toString('utf8'));
      } catch {
        return { status: 400, body: { error: 'body must be JSON' } };
      }
      if (!posted || typeof posted !== 'object' || Array.isArray(posted))
        return { status: 400, body: { error: 'body must be a JSON object' } };
      return { status: 201, body: { ...(posted as Record<string, unknown>), id: users.length + 1 } };
    }
    return { status: 405, body: { error: `${method} not allowed on /users` } };
  }
  const id = /^\d{1,6}$/.test(idText) ? Number(idText) : NaN;
  const user = users.find((u) => u.id === id);
  if (
    method !== 'GET' &&
    method !== 'HEAD' &&
    method !== 'PUT' &&
    method !== 'PATCH' &&
    method !== 'DELETE'
  ) {
    return { status: 405, body: { error: `${method} not allowed on /users/:id` } };
  }
  if (!user) return { status: 404, body: { error: `no user ${idText}` } };
  if (method === 'DELETE') return { status: 200, body: {} };
  if (method === 'PUT' || method === 'PATCH') {
    let posted: unknown;
    try {
      posted = JSON.parse(Buffer.from(body).toString('utf8'));
    } catch {
      return { status: 400, body: { error: 'body must be JSON' } };
    }
    if (!posted || typeof posted !== 'object' || Array.isArray(posted))
      return { status: 400, body: { error: 'body must be a JSON object' } };
    return {
      status: 200,
      body: { ...(method === 'PATCH' ? user : {}), ...(posted as Record<string, unknown>), id: user.id },
    };
  }
  return { status: 200, body: user };
}
