// Peer for the benchmark: the room broadcaster a Node engineer would write with `ws`.
// Clients connect to /rooms/<id>; every text message is sent to everyone in that room.
// No storage, no auth. Prints "listening on http://127.0.0.1:<port>".
const http = require("http");
const { WebSocketServer } = require("ws");

const rooms = new Map();
const server = http.createServer();
const wss = new WebSocketServer({ server, perMessageDeflate: false });

wss.on("connection", (socket, req) => {
  const room = req.url;
  let members = rooms.get(room);
  if (!members) rooms.set(room, (members = new Set()));
  members.add(socket);
  socket.on("message", (data, isBinary) => {
    for (const peer of members) {
      if (peer.readyState === 1) peer.send(data, { binary: isBinary });
    }
  });
  socket.on("close", () => members.delete(socket));
});

server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
