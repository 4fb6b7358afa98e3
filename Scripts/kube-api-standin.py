#!/usr/bin/env python3
"""A Kubernetes API stand-in for podnetd's tests: HTTPS on loopback with a CA and server
certificate made at start (openssl), bearer-token check (the token file is re-read per request, so
tests rotate it), list with limit/continue, chunked watch with resourceVersion, bookmarks and
410 Gone, for /api/v1/nodes and Calico's crd.projectcalico.org/v1 ippools and blockaffinities.

The test drives it by appending JSON lines to DIR/control.jsonl:
  {"op": "upsert", "resource": "nodes", "object": {...}}   ADDED or MODIFIED event
  {"op": "delete", "resource": "nodes", "name": "n1"}      DELETED event
  {"op": "compact"}      every older resourceVersion is gone: open watches get ERROR 410, new ones HTTP 410
  {"op": "stop"}         close every connection and the listening socket, exit
  {"op": "lists", "mode": "serve"|"hold"|"refuse"|"forbid"}   how lists are answered from now on
  {"op": "fail", "resource": "nodes", "code": 403}   lists and new watches of it answer that status,
                         open ones end with an ERROR event of it; code 0 serves it again
  {"op": "watches", "mode": "close"|"serve"}   "close": a watch is answered 200 and ended at once, empty
  {"op": "continue", "mode": "expire"|"serve"}   "expire": every list page asked for with a continue
                         token answers 410 Expired (the token's resourceVersion was compacted)
--lists hold|refuse starts with lists held (each waits, unanswered, until the mode changes) or
refused (503 ServiceUnavailable), --lists forbid with 403 Forbidden, for the daemon's wait for its
first list; watches are unaffected.
Objects are served exactly as given (the tests build them as the upstream schemas define).
DIR/stats.json counts lists and watches per resource. Prints "PORT n" when ready.
--address serves on another address of the namespace (in the certificate too), for tests of a
firewall that admits loopback only.
Not shipped; used by Tests/PodnetClusterTests and the scale benchmark.

--client-ca: require a client certificate signed by a CA made at start (client-ca.crt); it then
authenticates the client instead of the token. Made with it: client.crt/client.key (signed by that
CA) and wrong-client.crt/wrong-client.key (signed by another CA, which the server refuses).
"""
import argparse, json, os, socket, ssl, subprocess, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

RESOURCES = {
    "/api/v1/nodes": ("nodes", "v1", "NodeList"),
    "/apis/crd.projectcalico.org/v1/ippools": ("ippools", "crd.projectcalico.org/v1", "IPPoolList"),
    "/apis/crd.projectcalico.org/v1/blockaffinities": ("blockaffinities", "crd.projectcalico.org/v1", "BlockAffinityList"),
}


class Store:
    def __init__(self, initial):
        self.lock = threading.Condition()
        self.rv = 100
        self.compacted = 0
        self.generation = 0  # bumped by "compact": every open watch then ends with ERROR 410
        self.objects = {name: {} for name, _, _ in RESOURCES.values()}
        self.events = []  # (rv, resource, type, object)
        self.stats = {name: {"lists": 0, "watches": 0} for name in self.objects}
        self.stopping = False
        self.lists = "serve"  # "hold": lists wait until this changes; "refuse": lists get 503
        self.failing = {}  # resource -> HTTP status its lists and watches answer ("fail")
        self.continue_mode = "serve"  # "expire": a list page with a continue token gets 410
        self.watch_mode = "serve"  # "close": watches end at once without an event
        for resource, items in initial.items():
            for item in items:
                self.rv += 1
                item.setdefault("metadata", {})["resourceVersion"] = str(self.rv)
                self.objects[resource][item["metadata"]["name"]] = item

    def apply(self, command):
        with self.lock:
            op = command["op"]
            if op == "upsert":
                resource, item = command["resource"], command["object"]
                self.rv += 1
                item.setdefault("metadata", {})["resourceVersion"] = str(self.rv)
                name = item["metadata"]["name"]
                kind = "MODIFIED" if name in self.objects[resource] else "ADDED"
                self.objects[resource][name] = item
                self.events.append((self.rv, resource, kind, item))
            elif op == "delete":
                resource, name = command["resource"], command["name"]
                item = self.objects[resource].pop(name, None)
                if item is not None:
                    self.rv += 1
                    item = dict(item, metadata=dict(item["metadata"], resourceVersion=str(self.rv)))
                    self.events.append((self.rv, resource, "DELETED", item))
            elif op == "compact":
                self.rv += 1
                self.compacted = self.rv
                self.generation += 1
            elif op == "stop":
                self.stopping = True
            elif op == "lists":
                self.lists = command["mode"]
            elif op == "fail":
                if command["code"]:
                    self.failing[command["resource"]] = command["code"]
                else:
                    self.failing.pop(command["resource"], None)
            elif op == "continue":
                self.continue_mode = command["mode"]
            elif op == "watches":
                self.watch_mode = command["mode"]
            self.lock.notify_all()


def make_certificates(directory, address):
    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=directory)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=podnetd-test-ca",
        "-keyout", "ca.key", "-out", "ca.crt")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=kube-apiserver", "-keyout", "server.key",
        "-out", "server.csr")
    with open(os.path.join(directory, "san.ext"), "w") as ext:
        extra = "" if address == "127.0.0.1" else ",IP:" + address
        ext.write("subjectAltName=IP:127.0.0.1,DNS:localhost%s\nextendedKeyUsage=serverAuth\n" % extra)
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-extfile", "san.ext", "-out", "server.crt")


def make_client_certificates(directory):
    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=directory)
    with open(os.path.join(directory, "client.ext"), "w") as ext:
        ext.write("extendedKeyUsage=clientAuth\n")
    for ca, prefix in (("client-ca", "client"), ("rogue-ca", "wrong-client")):
        run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=podnetd-test-" + ca,
            "-keyout", ca + ".key", "-out", ca + ".crt")
        run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/O=system:nodes/CN=system:node:podnetd",
            "-keyout", prefix + ".key", "-out", prefix + ".csr")
        run("x509", "-req", "-in", prefix + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key", "-CAcreateserial",
            "-days", "2", "-extfile", "client.ext", "-out", prefix + ".crt")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--bookmark-seconds", type=float, default=1.0)
    parser.add_argument("--client-ca", action="store_true")
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--lists", choices=["serve", "hold", "refuse", "forbid"], default="serve")
    args = parser.parse_args()
    directory = args.dir
    if not os.path.exists(os.path.join(directory, "server.crt")):
        make_certificates(directory, args.address)
    if args.client_ca and not os.path.exists(os.path.join(directory, "client.crt")):
        make_client_certificates(directory)
    with open(os.path.join(directory, "objects.json")) as f:
        store = Store(json.load(f))
    store.lists = args.lists
    connections = set()
    connections_lock = threading.Lock()

    def write_stats():
        with open(os.path.join(directory, "stats.json.tmp"), "w") as f:
            json.dump(store.stats, f)
        os.replace(os.path.join(directory, "stats.json.tmp"), os.path.join(directory, "stats.json"))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # TCP_NODELAY, as Go's net/http (the API server) sets it: without it the head and body
        # writes of every response waited out the client's delayed ACK (~40 ms a list page).
        disable_nagle_algorithm = True

        def log_message(self, *a):
            pass

        def setup(self):
            super().setup()
            with connections_lock:
                connections.add(self.connection)

        def finish(self):
            with connections_lock:
                connections.discard(self.connection)
            try:
                super().finish()
            except OSError:
                pass

        def send_json(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def status(self, code, reason, message):
            self.send_json(code, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                  "message": message, "reason": reason, "code": code})

        def do_GET(self):
            with open(os.path.join(directory, "token")) as f:
                token = f.read().strip()
            if not args.client_ca and self.headers.get("Authorization") != "Bearer " + token:
                return self.status(401, "Unauthorized", "Unauthorized")
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path not in RESOURCES:
                return self.status(404, "NotFound", "the server could not find the requested resource")
            resource, api_version, list_kind = RESOURCES[url.path]
            with store.lock:
                failing = store.failing.get(resource)
                expired = store.continue_mode == "expire" and bool(query.get("continue"))
                if failing or expired:
                    store.stats[resource]["failed"] = store.stats[resource].get("failed", 0) + 1
                    write_stats()
            if failing:
                return self.status(failing, "InternalError" if failing >= 500 else "Forbidden", "failing (test): %d" % failing)
            if expired and query.get("watch") not in ("1", "true"):
                return self.status(410, "Expired", "continue token too old (test): list again without it")
            if query.get("watch") in ("1", "true"):
                return self.watch(resource, query)
            with store.lock:
                while store.lists == "hold" and not store.stopping:
                    store.lock.wait(0.05)
                if store.lists in ("refuse", "forbid"):
                    store.stats[resource]["refused"] = store.stats[resource].get("refused", 0) + 1
                    write_stats()
                    refused = store.lists
                else:
                    refused = None
            if refused == "forbid":
                return self.status(403, "Forbidden", "the stand-in forbids lists (test)")
            if refused:
                return self.status(503, "ServiceUnavailable", "the stand-in refuses lists (test)")
            with store.lock:
                store.stats[resource]["lists"] += 1
                write_stats()
                names = sorted(store.objects[resource])
                start = int(query.get("continue", "0") or 0)
                limit = int(query.get("limit", "0") or 0) or len(names)
                page = [store.objects[resource][n] for n in names[start:start + limit]]
                more = start + limit < len(names)
                body = {"apiVersion": api_version, "kind": list_kind,
                        "metadata": {"resourceVersion": str(store.rv), **({"continue": str(start + limit)} if more else {})},
                        "items": page}
            self.send_json(200, body)

        def watch(self, resource, query):
            since = int(query.get("resourceVersion", "0") or 0)
            timeout = float(query.get("timeoutSeconds", "300"))
            with store.lock:
                store.stats[resource]["watches"] += 1
                write_stats()
                if since < store.compacted:
                    return self.status(410, "Expired", "too old resource version: %d (%d)" % (since, store.compacted))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if store.watch_mode == "close":
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
                return

            def chunk(obj):
                data = (json.dumps(obj) + "\n").encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()

            deadline = time.time() + timeout
            next_bookmark = time.time() + args.bookmark_seconds
            sent = since
            with store.lock:
                generation = store.generation
            try:
                while time.time() < deadline:
                    with store.lock:
                        if store.stopping:
                            return
                        if resource in store.failing:
                            code = store.failing[resource]
                            chunk({"type": "ERROR", "object": {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                                               "message": "failing (test)", "reason": "InternalError", "code": code}})
                            break
                        if sent < store.compacted or store.generation != generation:
                            chunk({"type": "ERROR", "object": {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                                               "message": "too old resource version", "reason": "Expired", "code": 410}})
                            break
                        pending = [e for e in store.events if e[0] > sent and e[1] == resource]
                        if not pending:
                            store.lock.wait(0.05)
                            pending = [e for e in store.events if e[0] > sent and e[1] == resource]
                        current = store.rv
                    for rv, _, kind, obj in pending:
                        chunk({"type": kind, "object": obj})
                        sent = rv
                    if time.time() >= next_bookmark and query.get("allowWatchBookmarks") == "true":
                        _, api_version, list_kind = [v for k, v in RESOURCES.items() if v[0] == resource][0]
                        chunk({"type": "BOOKMARK", "object": {"kind": list_kind[:-4], "apiVersion": api_version,
                                                               "metadata": {"resourceVersion": str(current)}}})
                        sent = max(sent, current)
                        next_bookmark = time.time() + args.bookmark_seconds
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
                pass

    server = ThreadingHTTPServer((args.address, 0), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.path.join(directory, "server.crt"), os.path.join(directory, "server.key"))
    if args.client_ca:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(os.path.join(directory, "client-ca.crt"))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    write_stats()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("PORT %d" % server.server_address[1], flush=True)

    control = os.path.join(directory, "control.jsonl")
    offset = 0
    while True:
        time.sleep(0.05)
        if not os.path.exists(control):
            continue
        with open(control) as f:
            f.seek(offset)
            text = f.read()
        complete = text[:text.rfind("\n") + 1]
        offset += len(complete.encode())
        for line in complete.splitlines():
            if not line.strip():
                continue
            command = json.loads(line)
            store.apply(command)
            if command["op"] == "stop":
                server.shutdown()
                server.socket.close()
                with connections_lock:
                    for connection in list(connections):
                        try:
                            connection.shutdown(socket.SHUT_RDWR)
                        except OSError:
                            pass
                return


if __name__ == "__main__":
    main()
