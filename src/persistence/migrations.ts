// Every migration, in order, listed explicitly (no globs: ts-node, Jest and dist/ agree).

import { Initial1763700000000 } from "../../migrations/1763700000000-Initial";

export const MIGRATIONS = [Initial1763700000000];
