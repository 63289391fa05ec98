// Peer for the benchmark: Socket.IO with rooms, websocket transport only.
// Events: "join" (room) and "msg" (room, body); "msg" (body) is broadcast to the room.
// No storage, no auth. Prints "listening on http://127.0.0.1:<port>".
const http = require("http");
const { Server } = require("socket.io");

const server = http.createServer();
const io = new Server(server, { transports: ["websocket"], perMessageDeflate: false, serveClient: false });

io.on("connection", (socket) => {
  socket.on("join", (room) => socket.join(room));
  socket.on("msg", (room, body) => io.to(room).emit("msg", body));
});

server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
