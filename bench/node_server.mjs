// The bare Node socket.io reference server for bench/run.py: the same events as
// bare_server.py. `join {room}` enters a room; `send {room, content}` broadcasts
// `message:new {room, content, seq}` to the room and acks {ok: true, seq}.
// Usage: node node_server.mjs PORT
import { createServer } from "node:http";
import { Server } from "socket.io";

const port = Number(process.argv[2] ?? 8090);
const httpServer = createServer((req, res) => {
  res.writeHead(req.url === "/healthz" ? 200 : 404).end(req.url === "/healthz" ? "ok" : "");
});
// socket.io's default perMessageDeflate is already off; the same is set explicitly.
const io = new Server(httpServer, { perMessageDeflate: false, serveClient: false });
let seq = 0;
io.on("connection", (socket) => {
  socket.on("join", (data, ack) => {
    socket.join(data.room);
    ack?.({ ok: true });
  });
  socket.on("send", (data, ack) => {
    seq += 1;
    io.to(data.room).emit("message:new", { room: data.room, content: data.content, seq });
    ack?.({ ok: true, seq });
  });
});
httpServer.listen(port, "127.0.0.1");
