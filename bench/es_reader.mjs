// es_reader.mjs - the npm `eventsource` client as a follow reader, the
// benchmark's reference for the client the design started from
// (bench/run.py, rows "follow" and "idle"). Each log event is parsed and
// printed as "time LEVEL message"; output is written in batches. Exits
// when every stream has sent a terminal status (never, for idle streams).
// usage: node es_reader.mjs NODE_MODULES_PARENT URL [URL...]
import { createRequire } from "node:module";
import path from "node:path";

const [dir, ...urls] = process.argv.slice(2);
const require = createRequire(path.join(dir, "package.json"));
const mod = require("eventsource");
const EventSource = mod.EventSource || mod;

// Bytes of output gathered before one write to stdout.
const OUT_BATCH = 1 << 16;
let out = [], outLen = 0, open = urls.length;

function flush() {
  if (outLen > 0) {
    process.stdout.write(out.join(""));
    out = [];
    outLen = 0;
  }
}

for (const url of urls) {
  const es = new EventSource(url);
  es.addEventListener("log", (e) => {
    const j = JSON.parse(e.data);
    const line = `${j.timestamp} ${j.level.padEnd(5)} ${j.message}\n`;
    out.push(line);
    outLen += line.length;
    if (outLen >= OUT_BATCH) flush();
  });
  es.addEventListener("status", (e) => {
    const s = JSON.parse(e.data).status;
    if (s === "completed" || s === "failed" || s === "cancelled") {
      es.close();
      if (--open === 0) {
        flush();
        process.stdout.write("", () => process.exit(0));
      }
    }
  });
  es.onerror = () => {};
}
