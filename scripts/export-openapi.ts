import { writeFile } from 'node:fs/promises';
import { generateOpenApi, serializeOpenApi } from '../src/start/openapi.js';

// `npm run openapi`: rewrites openapi/openapi.json from the route schemas. Commit the result.
const target = new URL('../openapi/openapi.json', import.meta.url);
await writeFile(target, serializeOpenApi(await generateOpenApi()));
process.stdout.write(`wrote ${target.pathname}\n`);
