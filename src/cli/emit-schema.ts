// `npm run schema`: writes schema.graphql from the code (the checked-in client contract).

import "reflect-metadata";
import fs from "node:fs";
import path from "node:path";
import { printAppSchema } from "../api/schema";

const target = path.resolve(process.cwd(), "schema.graphql");
fs.writeFileSync(target, printAppSchema());
process.stdout.write(`wrote ${target}\n`);
