// Validate glTF/GLB files with the Khronos glTF-Validator and print one JSON
// report per file: {"file", "errors", "warnings", "messages": [...]}.
// Usage: node tools/gltf_validate.mjs FILE [FILE ...]
import { readFile } from "node:fs/promises";
import path from "node:path";
import validator from "gltf-validator";

let failed = false;
for (const file of process.argv.slice(2)) {
  const bytes = new Uint8Array(await readFile(file));
  const report = await validator.validateBytes(bytes, {
    uri: path.basename(file),
    maxIssues: 100,
    externalResourceFunction: (uri) =>
      readFile(path.resolve(path.dirname(file), decodeURIComponent(uri))).then(
        (data) => new Uint8Array(data),
      ),
  });
  const issues = report.issues;
  if (issues.numErrors > 0) failed = true;
  console.log(
    JSON.stringify({
      file,
      errors: issues.numErrors,
      warnings: issues.numWarnings,
      messages: issues.messages.map((m) => `${m.severity} ${m.code} ${m.pointer ?? ""}: ${m.message}`),
    }),
  );
}
process.exit(failed ? 1 : 0);
