#!/usr/bin/env python3
"""Serves a folder over HTTP/1.1 and logs every request to a file, one line "<path> <status>",
written and flushed before the answer is sent: the request log the mirror kill test counts
GETs per bundle in (Specs/static-log.md §11.7). Prints "<port> <pid>" (its own pid: a shim
such as pyenv's may stand between the caller and this process), then serves until killed
(a caller started from a thread that blocks SIGTERM passes it on blocked: use SIGKILL).

usage: logging_http_server.py DIR LOG
"""
import functools
import http.server
import os
import sys
import threading


def main():
    directory, log_path = sys.argv[1], sys.argv[2]
    log = open(log_path, "a", buffering=1)
    lock = threading.Lock()

    class Handler(http.server.SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_request(self, code="-", size="-"):
            with lock:
                log.write(f"{self.path} {int(code)}\n")
                log.flush()

        def log_message(self, format, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=directory))
    server.daemon_threads = True
    print(server.server_address[1], os.getpid(), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
