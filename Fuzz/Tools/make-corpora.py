#!/usr/bin/env python3
"""Writes Fuzz/corpus/<target>/ seed files from the test vectors in Tests/Vectors/ and the
sample FHIR resources in Samples/fhir/ (real bytes the tests check), so every fuzz target
starts from valid and near-valid inputs. Re-run after a vector changes; seeds are named
for their source so a diff shows where each came from."""
import glob, hashlib, json, os, sys

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
vec = lambda name: json.load(open(os.path.join(root, "Tests/Vectors", name + ".json")))
out = os.path.join(root, "Fuzz/corpus")

def put(target, name, data):
    folder = os.path.join(out, target)
    os.makedirs(folder, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in name)[:60]
    with open(os.path.join(folder, safe), "wb") as f:
        f.write(data)

h = bytes.fromhex
lz4 = vec("lz4-frames")
for v in lz4["positive"] + lz4["negative"]:
    put("lz4", "vector-" + v["name"], h(v["frame_hex"]))
seg = vec("segment-format-v1")
put("lz4", "segment-v1-stream", h(seg["segment_hex"]))
put("segment", "segment-v1-sealed", h(seg["segment_hex"]))
for v in seg["negative"]:
    data = bytearray(h(seg["segment_hex"]))
    if "truncate_at" in v:
        data = data[: v["truncate_at"]]
    if v.get("flip_at") is not None:
        data[v["flip_at"]] ^= 0xFF
    put("segment", "segment-v1-" + v["name"], bytes(data))
ent = vec("entry-encoding")
for v in ent["valid"] + ent["invalid"]:
    put("entry", "vector-" + v["name"], h(v["encoded_hex"]))
b = vec("bundle-vectors")
bundle = h(b["bundle"])
put("bundle", "vector-bundle", bundle)
put("bundle", "vector-bundle-truncated-half", bundle[: len(bundle) // 2])
sm = vec("sync-message-vectors")
for v in sm["positive"] + sm["negative"]:
    for chunk in (0, 2):
        put("sync-message", f"vector-{v['name']}-chunk{chunk + 1}", bytes([chunk]) + h(v["hex"]))
put("sync-message", "vector-all-positive", bytes([15]) + b"".join(h(v["hex"]) for v in sm["positive"]))
tf = vec("transport-frames")
for v in tf["frames"] + tf["negative_frames"]:
    put("transport", "frame-" + v["name"], h(v["wire"]))
# Records are sealed by the harness itself, so seed their plaintext: type byte + fragment.
put("transport", "records-whole-and-close", b"\x00\x00\x00\x07\x03\x01hello" + b"\x00\x00\x00\x04\x03\x02\x00\x01")
put("transport", "records-fragmented", b"\x00\x00\x00\x05\x03\x00abc" + b"\x00\x00\x00\x05\x03\x01def")
put("transport", "handshake-then-data", h(tf["frames"][0]["wire"]) + b"\x00\x00\x00\x03\x03\x01x")
for path in sorted(glob.glob(os.path.join(root, "Samples/fhir/*.json"))):
    put("fhir", "sample-" + os.path.basename(path), open(path, "rb").read())
print("corpora written:", {t: len(os.listdir(os.path.join(out, t))) for t in sorted(os.listdir(out))})

# Frames written by the stock lz4 tool with each option the decoder must handle.
import shutil, subprocess
if shutil.which("lz4"):
    text = b"".join(b'{"kind":"consent","n":%d,"hash":"%s"}\n' % (i, hashlib.sha256(b"%d" % i).hexdigest().encode()) for i in range(200))
    for flags in (["-1"], ["-9", "--content-size"], ["-BD", "-B4"], ["--no-frame-crc"], ["-B7", "--favor-decSpeed"]):
        frame = subprocess.run(["lz4", "-c", *flags], input=text, capture_output=True, check=True).stdout
        put("lz4", "tool" + "".join(flags), frame)
    print("lz4 tool frames added")
