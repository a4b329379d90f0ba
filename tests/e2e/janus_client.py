# Minimal asyncio Janus WebSocket client (aiohttp) shared by the e2e peers and the stand-in server.
import asyncio
import base64
import hashlib
import hmac
import json
import random
import string
import sys

import aiohttp


class JanusError(Exception):
    """A Janus core `error` or a plugin `error_code`; `code` is Janus's number."""

    def __init__(self, code, reason):
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


def make_signed_token(secret, expiry_s, plugins=("janus.plugin.videoroom",)):
    """Janus signed token (auth.c): 'expiry,janus,plugin...:' + base64(HMAC-SHA1(secret, data))."""
    data = ",".join([str(int(expiry_s)), "janus", *plugins])
    sig = hmac.new(secret.encode(), data.encode(), hashlib.sha1).digest()
    return data + ":" + base64.b64encode(sig).decode()


def _transaction():
    return "".join(random.choices(string.ascii_letters + string.digits, k=12))


class JanusClient:
    """One WebSocket, one Janus session. Requests await their reply (the ack of an
    asynchronous plugin request is skipped); everything else lands in per-handle queues."""

    def __init__(self, token=None):
        self.token = token
        self.session_id = None
        self._http = None
        self._ws = None
        self._pending = {}
        self._queues = {}
        self._reader = None
        self._keepalive = None
        self.closed = asyncio.Event()
        self.close_reason = None

    async def connect(self, url, timeout=10.0):
        self._http = aiohttp.ClientSession()
        try:
            self._ws = await asyncio.wait_for(
                self._http.ws_connect(url, protocols=("janus-protocol",), heartbeat=None),
                timeout)
        except BaseException:
            await self._http.close()
            raise
        self._reader = asyncio.create_task(self._read_loop())

    async def close(self):
        for task in (self._keepalive, self._reader):
            if task:
                task.cancel()
        if self._ws is not None:
            await self._ws.close()
        if self._http is not None:
            await self._http.close()

    def queue(self, handle_id):
        return self._queues.setdefault(handle_id, asyncio.Queue())

    async def _read_loop(self):
        try:
            async for msg in self._ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                kind = data.get("janus")
                tr = data.get("transaction")
                waiter = self._pending.get(tr)
                if waiter is not None and not (kind == "ack" and waiter[1]):
                    fut = waiter[0]
                    del self._pending[tr]
                    if not fut.done():
                        fut.set_result(data)
                    continue
                if kind == "ack":
                    continue
                if kind == "timeout":
                    self.close_reason = "session timeout"
                    break
                self.queue(data.get("sender")).put_nowait(data)
        finally:
            if self.close_reason is None:
                self.close_reason = "websocket closed"
            self.closed.set()
            for fut, _ in self._pending.values():
                if not fut.done():
                    fut.set_exception(ConnectionError(f"Janus connection lost: {self.close_reason}"))
            for q in self._queues.values():
                q.put_nowait({"janus": "closed"})

    async def request(self, body, timeout=10.0, wait_event=False):
        """Send a request; return the reply. wait_event: an async plugin request whose ack
        is followed by the real event carrying the same transaction."""
        tr = _transaction()
        body = dict(body, transaction=tr)
        if self.token:
            body["token"] = self.token
        if self.session_id is not None and "session_id" not in body and body["janus"] != "create":
            body["session_id"] = self.session_id
        fut = asyncio.get_running_loop().create_future()
        self._pending[tr] = (fut, wait_event)
        await self._ws.send_str(json.dumps(body))
        try:
            reply = await asyncio.wait_for(fut, timeout)
        finally:
            self._pending.pop(tr, None)
        if reply.get("janus") == "error":
            err = reply.get("error", {})
            raise JanusError(err.get("code"), err.get("reason"))
        return reply

    async def create_session(self, keepalive_s=25.0):
        reply = await self.request({"janus": "create"})
        self.session_id = reply["data"]["id"]
        self._keepalive = asyncio.create_task(self._keepalive_loop(keepalive_s))
        return self.session_id

    async def _keepalive_loop(self, period_s):
        while True:
            await asyncio.sleep(period_s)
            try:
                await self.request({"janus": "keepalive"})
            except Exception:
                return

    async def attach(self, plugin="janus.plugin.videoroom"):
        reply = await self.request({"janus": "attach", "plugin": plugin})
        handle = reply["data"]["id"]
        self.queue(handle)
        return handle

    async def message(self, handle, body, jsep=None, timeout=10.0):
        """Plugin request: returns (plugin data, jsep); raises JanusError on error_code."""
        req = {"janus": "message", "handle_id": handle, "body": body}
        if jsep is not None:
            req["jsep"] = jsep
        reply = await self.request(req, timeout=timeout, wait_event=True)
        data = reply.get("plugindata", {}).get("data", {})
        if "error_code" in data:
            raise JanusError(data["error_code"], data.get("error"))
        return data, reply.get("jsep")

    async def next_event(self, handle, deadline):
        """Next unsolicited message for handle before the absolute loop-time deadline."""
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise asyncio.TimeoutError()
        return await asyncio.wait_for(self.queue(handle).get(), remaining)


async def wait_for_publisher(client, handle, room, display, pin, deadline):
    """Join `room` as a publisher that never publishes (to receive room events) and
    return the first publisher's feed id, waiting until one appears or the deadline passes."""
    body = {"request": "join", "ptype": "publisher", "room": room, "display": display}
    if pin:
        body["pin"] = pin
    joined, _ = await client.message(handle, body)
    pubs = joined.get("publishers") or []
    # The e2e driver waits for this line before it starts the publisher.
    print(f"{display}: ready: in room {room}, waiting for a publisher", file=sys.stderr, flush=True)
    while not pubs:
        try:
            ev = await client.next_event(handle, deadline)
        except asyncio.TimeoutError:
            raise TimeoutError(f"no publisher appeared in room {room}") from None
        if ev.get("janus") == "closed":
            raise ConnectionError(client.close_reason)
        pubs = ev.get("plugindata", {}).get("data", {}).get("publishers") or []
    return pubs[0]


def list_participants(url, room, token=None):
    """Janus's own `listparticipants` for `room`, on a fresh session (blocking)."""
    async def ask():
        client = JanusClient(token)
        try:
            await client.connect(url, timeout=10)
            await client.create_session()
            handle = await client.attach()
            data, _ = await client.message(handle, {"request": "listparticipants", "room": room})
            return data.get("participants") or []
        finally:
            await client.close()
    return asyncio.run(ask())
