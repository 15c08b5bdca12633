/**
 * `/asyncapi.json`: the realtime side as AsyncAPI 3.0, built from the event schemas (schemas.ts)
 * that contracts.ts takes its types from. It describes the service (the application): what it
 * sends (server → client events) and what it receives (client → server events, each with the
 * acknowledgement as the operation's reply). Socket.IO specifics AsyncAPI has no words for (the
 * handshake's auth payload, the rooms) are stated in the descriptions and as x-socketio fields.
 */
import type { TSchema } from '@sinclair/typebox';
import { CLIENT_EVENTS, HandshakeAuthSchema, SERVER_EVENTS } from './schemas.ts';

/** A message id for AsyncAPI: "dashboard:update" → "dashboardUpdate". */
const idOf = (event: string) => event.replace(/[:_-](\w)/g, (_, c: string) => c.toUpperCase());

/** A schema as plain JSON Schema: TypeBox's symbols and $id dropped. */
const plain = (s: TSchema): unknown => JSON.parse(JSON.stringify(s, (k, v) => (k === '$id' ? undefined : v)));

const ROOMS: Record<string, string> = {
  managers: "the shop's owners and managers (each also in a room per dashboard:update form)",
  cashiers: "the shop's cashiers",
  terminals: "the shop's POS terminals",
  requester: 'the sockets of the user who asked (a room per user)',
  'this socket': 'only the socket concerned',
};

export function buildAsyncApi(version: string) {
  const messages: Record<string, unknown> = {};
  const channelMessages: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const channelRef = { $ref: '#/channels/shop' };

  for (const [event, e] of Object.entries(SERVER_EVENTS)) {
    const id = idOf(event);
    messages[id] = { name: event, title: event, summary: e.summary, payload: plain(e.payload) };
    channelMessages[id] = { $ref: `#/components/messages/${id}` };
    operations[`send${id[0]!.toUpperCase()}${id.slice(1)}`] = {
      action: 'send',
      channel: channelRef,
      summary: e.summary,
      description: `Sent to: ${e.to.map((r) => ROOMS[r]).join('; ')}.`,
      messages: [{ $ref: `#/channels/shop/messages/${id}` }],
      'x-socketio-rooms': e.to,
    };
  }
  for (const [event, e] of Object.entries(CLIENT_EVENTS)) {
    const id = idOf(event);
    const ackId = `${id}Ack`;
    messages[id] = {
      name: event,
      title: event,
      summary: e.summary,
      ...(e.payload ? { payload: plain(e.payload) } : { description: 'No payload: the client sends only its acknowledgement callback.' }),
    };
    messages[ackId] = { name: `${event} ack`, title: `${event} acknowledgement`, summary: `The answer to ${event}, through the client's acknowledgement callback.`, payload: plain(e.ack) };
    channelMessages[id] = { $ref: `#/components/messages/${id}` };
    channelMessages[ackId] = { $ref: `#/components/messages/${ackId}` };
    operations[`receive${id[0]!.toUpperCase()}${id.slice(1)}`] = {
      action: 'receive',
      channel: channelRef,
      summary: e.summary,
      description: `Accepted from: ${e.from.map((r) => ROOMS[r]).join('; ')}; from others it is refused with a forbidden ack. Each socket has a budget of 10 events a second (bursts of 20): over it an event gets a rate_limited ack.`,
      messages: [{ $ref: `#/channels/shop/messages/${id}` }],
      reply: { channel: channelRef, messages: [{ $ref: `#/channels/shop/messages/${ackId}` }] },
      'x-socketio-from': e.from,
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Tajir POS live updates',
      version,
      description:
        'Socket.IO v4 on the same host and port as the REST API (../shared/API.md "Realtime"). Connect with ' +
        '`io(url, {auth: {token}})`; a bad or missing token is refused with a connect_error whose `data` is the ' +
        'error envelope of the HTTP API. The server puts each socket in its shop\'s rooms by role (owners and ' +
        'managers: managers; cashiers: cashiers; terminals: terminals; every user also a room of their own); a ' +
        'client can join nothing itself.',
    },
    defaultContentType: 'application/json',
    servers: {
      service: {
        host: 'localhost:3000',
        protocol: 'ws',
        pathname: '/socket.io/',
        description: 'Engine.IO 4 (WebSocket, or HTTP long-polling upgraded to WebSocket) under Socket.IO 4; the host is the REST API\'s.',
        security: [{ $ref: '#/components/securitySchemes/handshakeToken' }],
      },
    },
    channels: {
      shop: {
        address: '/',
        title: "The default namespace: a socket's shop rooms",
        description: Object.entries(ROOMS)
          .map(([room, who]) => `${room}: ${who}`)
          .join('. '),
        messages: channelMessages,
      },
    },
    operations,
    components: {
      messages,
      schemas: { HandshakeAuth: plain(HandshakeAuthSchema) },
      securitySchemes: {
        handshakeToken: {
          type: 'httpApiKey',
          name: 'token',
          in: 'query',
          description:
            'Socket.IO sends it in the CONNECT packet, not the URL: `io(url, {auth: {token, series?}})` (components.schemas.HandshakeAuth). ' +
            'A token is a user\'s (POST /api/auth/login) or a terminal\'s (POST /api/terminals).',
          'x-socketio-auth': { $ref: '#/components/schemas/HandshakeAuth' },
        },
      },
    },
  };
}
