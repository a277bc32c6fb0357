#!/usr/bin/env python3
"""Talks to `careledger serve --http ... --tls-cert C --tls-key K` over TLS with Python's own
ssl module (OpenSSL), independently of the Swift code (Specs/fhir-api.md section 5.1).

    python3 Tests/Tools/api-tls-client.py PORT CA_CERT TOKEN

Prints one JSON object: the status and negotiated TLS version of GET /fhir/metadata with the
default context (TLS 1.3 preferred) and with a client capped at TLS 1.2, the status of an
authenticated AuditEvent search, and what a plain-HTTP request to the same port got
("refused" when the connection failed or returned no HTTP response).
"""
import http.client
import json
import ssl
import sys


def https_get(port, context, path, token=None):
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
    headers = {"Authorization": "Bearer " + token} if token else {}
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    version = connection.sock.version()
    connection.close()
    return response.status, version


def plain_get(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/fhir/metadata")
        response = connection.getresponse()
        response.read()
        return response.status
    except (http.client.HTTPException, OSError):
        return "refused"
    finally:
        connection.close()


def main():
    port, ca, token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    default = ssl.create_default_context(cafile=ca)
    capped = ssl.create_default_context(cafile=ca)
    capped.maximum_version = ssl.TLSVersion.TLSv1_2
    metadata, version = https_get(port, default, "/fhir/metadata")
    metadata12, version12 = https_get(port, capped, "/fhir/metadata")
    audit, _ = https_get(port, default, "/fhir/AuditEvent", token)
    print(json.dumps({"metadata": metadata, "version": version, "metadata_tls12": metadata12, "version_tls12": version12,
                      "audit": audit, "plain": plain_get(port)}, sort_keys=True))


if __name__ == "__main__":
    main()
