// Node's Buffer for jkurwa in the browser (esbuild injects it where `Buffer` is used).
export { Buffer } from "buffer";
