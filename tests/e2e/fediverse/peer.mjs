// A fediverse server for tests/e2e/test_fediverse.py: Fedify (a maintained ActivityPub framework, from npm) on
// 127.0.0.1, with one account, "reader". It verifies every signature it receives (Fedify refuses unsigned or
// badly signed activities before a listener sees them) and signs what it sends (RFC 9421 first, then
// draft-cavage when refused: Fedify's "double knock").
//
//   node peer.mjs PORT            reads commands on stdin: "lookup HANDLE", "follow HANDLE", "unfollow HANDLE"
//                                 and prints one JSON line per event on stdout.
import http from "node:http";
import readline from "node:readline";
import {
  createFederation,
  generateCryptoKeyPair,
  InProcessMessageQueue,
  MemoryKvStore,
} from "@fedify/fedify";
import {
  Accept,
  Announce,
  Create,
  Delete,
  Endpoints,
  Follow,
  Person,
  Undo,
  Update,
} from "@fedify/fedify/vocab";

const port = Number(process.argv[2]);
const origin = `http://127.0.0.1:${port}`;
const emit = (event) => process.stdout.write(JSON.stringify(event) + "\n");

// `make run` serves plain http on 127.0.0.1; a handle's WebFinger lookup, which Fedify makes over https,
// is sent there over http (as a TLS-terminating proxy would). Nothing else is rewritten.
const plainFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = input instanceof Request ? input.url : String(input);
  if (url.startsWith("https://127.0.0.1:")) {
    const plain = "http://" + url.slice("https://".length);
    return plainFetch(input instanceof Request ? new Request(plain, input) : plain, init);
  }
  return plainFetch(input, init);
};

const keys = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
const federation = createFederation({
  kv: new MemoryKvStore(),
  queue: new InProcessMessageQueue(),
  allowPrivateAddress: true, // its peer is the local stack on 127.0.0.1: for tests only
  origin,
});

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== "reader") return null;
    const [pair] = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "A reader",
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      publicKey: pair.cryptographicKey,
    });
  })
  .setKeyPairsDispatcher(async () => [keys]);

// Its Follows, by id: the Accept that answers one is from another server, so Fedify reads the Follow from here.
const sent = new Map();
federation.setObjectDispatcher(Follow, "/follows/{id}", (ctx, values) => sent.get(values.id) ?? null);

async function describe(object) {
  if (object == null) return {};
  const tags = [];
  for await (const tag of object.getTags()) tags.push(tag.name?.toString());
  const attachments = [];
  for await (const item of object.getAttachments()) {
    attachments.push({ type: item.constructor.name, url: item.url?.href, name: item.name?.toString() });
  }
  return {
    id: object.id?.href,
    kind: object.constructor.name,
    name: object.name?.toString(),
    summary: object.summary?.toString(),
    url: object.url?.href,
    tags,
    attachments,
  };
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Accept, async (ctx, accept) => {
    emit({ event: "Accept", actor: accept.actorId?.href, object: (await accept.getObject())?.id?.href });
  })
  .on(Create, async (ctx, create) => {
    emit({ event: "Create", actor: create.actorId?.href, id: create.id?.href, object: await describe(await create.getObject()) });
  })
  .on(Update, async (ctx, update) => {
    emit({ event: "Update", actor: update.actorId?.href, id: update.id?.href, object: await describe(await update.getObject()) });
  })
  .on(Delete, async (ctx, del) => {
    emit({ event: "Delete", actor: del.actorId?.href, id: del.id?.href, object: del.objectId?.href });
  })
  .on(Announce, async (ctx, announce) => {
    emit({ event: "Announce", actor: announce.actorId?.href, object: announce.objectId?.href });
  })
  .onError((ctx, error) => emit({ event: "error", message: String(error) }));

const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = ["GET", "HEAD"].includes(req.method) ? undefined : Buffer.concat(chunks);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) headers.set(name, String(value));
  const response = await federation.fetch(new Request(origin + req.url, { method: req.method, headers, body }), {
    contextData: undefined,
    onNotFound: () => new Response("Not Found", { status: 404 }),
  });
  if (req.method === "POST") emit({ event: "request", path: req.url, status: response.status });
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
});
server.listen(port, "127.0.0.1", () => emit({ event: "ready", origin }));

const ctx = federation.createContext(new URL(origin), undefined);
let follows = 0;
const following = new Map();
for await (const line of readline.createInterface({ input: process.stdin })) {
  const [command, handle] = line.trim().split(/\s+/);
  try {
    const actor = await ctx.lookupObject(handle);
    if (actor == null) {
      emit({ event: "error", message: `${handle} not found` });
      continue;
    }
    if (command === "lookup") {
      emit({ event: "found", id: actor.id?.href, name: actor.name?.toString(), inbox: actor.inboxId?.href });
    } else if (command === "follow") {
      const follow = new Follow({
        id: new URL(`${origin}/follows/${++follows}`),
        actor: ctx.getActorUri("reader"),
        object: actor.id,
      });
      following.set(handle, follow);
      sent.set(String(follows), follow);
      await ctx.sendActivity({ identifier: "reader" }, actor, follow);
      emit({ event: "sent", type: "Follow", to: actor.id?.href });
    } else if (command === "unfollow") {
      const undo = new Undo({
        id: new URL(`${origin}/undos/${follows}`),
        actor: ctx.getActorUri("reader"),
        object: following.get(handle),
      });
      await ctx.sendActivity({ identifier: "reader" }, actor, undo);
      emit({ event: "sent", type: "Undo", to: actor.id?.href });
    }
  } catch (error) {
    emit({ event: "error", message: String(error?.stack ?? error) });
  }
}
