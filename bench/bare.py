"""The baseline: a bare Flask + waitress route that only parses the JSON body and answers 202.

Run as `python -m bench.bare PORT THREADS`; ingest throughput is compared against it.
"""

from __future__ import annotations

import sys

import waitress
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/api/event")
def event():
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        return jsonify(message="body must be a JSON object"), 400
    return jsonify(id="01JMGHI789ABCDEFGHJKMNPQRS"), 202


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


if __name__ == "__main__":
    port, threads = int(sys.argv[1]), int(sys.argv[2])
    server = waitress.create_server(app, host="127.0.0.1", port=port, threads=threads)
    print(f"bare listening on http://127.0.0.1:{server.effective_port}", flush=True)
    server.run()
