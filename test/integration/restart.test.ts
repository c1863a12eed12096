// Data survives a restart: a second server on the same database serves the same experiments,
// history, sticky assignments, overrides and configuration version, and counts the exposures
// recorded just before the first one stopped (they are flushed on shutdown).
//
// PGlite: a file-backed directory of this test's own. PostgreSQL: one database created here
// and handed to both servers. This file starts two servers, one after the other.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  ASSIGN,
  CREATE,
  EXPERIMENT,
  EXPOSURE_COUNTS,
  HISTORY,
  SET_OVERRIDE,
  START,
  ok,
} from "../helpers/factories";
import { ON_POSTGRES, createTestDatabase, type TestDatabase } from "../helpers/test-database";
import { startTestServer, type TestServer } from "../helpers/test-server";

const ASSIGNMENT = `query($experiment: String!, $actor: String!) {
  assignment(experiment: $experiment, actor: $actor) { experiment actor variant vid isOverride assignedAt } }`;
const STATE = `query { configVersion experiments { key state version } }`;

const RUNNING = "restart-running";
const DRAFT = "restart-draft";
const ACTORS = Array.from({ length: 8 }, (_, i) => `user:${i}`);
const QA = "qa:forced";

let dir: string | undefined;
let database: TestDatabase | undefined;
let first: TestServer | undefined;
let second: TestServer | undefined;

function start(): Promise<TestServer> {
  return ON_POSTGRES ? startTestServer({ database }) : startTestServer({ pgliteDir: path.join(dir!, "pglite") });
}

beforeAll(async () => {
  if (ON_POSTGRES) database = await createTestDatabase();
  else dir = fs.mkdtempSync(path.join(os.tmpdir(), "tessera-restart-"));
});

afterAll(async () => {
  // Whatever happened above: nothing left running, nothing left on disk or in PostgreSQL.
  await first?.stop();
  if (second) await second.close();
  else await database?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

it("a second server on the same data serves everything the first one wrote", async () => {
  first = await start();
  const s1 = first;

  // --- Write with the first server. ---
  const created = ok(
    await s1.gql(CREATE, {
      input: {
        key: RUNNING,
        description: "survives restarts",
        services: ["ranker_svc", "web"],
        exclusionGroup: "restart-group",
        variants: [
          { key: "control", weight: 40, params: { color: "blue", size: 1 } },
          { key: "treatment", weight: 60, params: { color: "green", nested: { a: [1, 2] } }, vid: 777 },
        ],
      },
    }),
  ).createExperiment;
  expect(created.variants.map((v: { vid: number }) => v.vid)).toContain(777);
  ok(await s1.gql(START, { key: RUNNING }));
  ok(await s1.gql(CREATE, { input: { key: DRAFT, variants: [{ key: "only", weight: 1 }] } }));

  const sticky = new Map<string, { variant: string; vid: number; assignedAt: string }>();
  for (const actor of ACTORS) {
    const a = ok(await s1.gql(ASSIGN, { experiment: RUNNING, actor })).assign;
    expect(a).not.toBeNull();
    sticky.set(actor, { variant: a.variant, vid: a.vid, assignedAt: a.assignedAt });
  }
  ok(await s1.gql(SET_OVERRIDE, { experiment: RUNNING, actor: QA, variant: "treatment" }));

  // What the first server says before it stops.
  const experimentBefore = ok(await s1.gql(EXPERIMENT, { key: RUNNING })).experiment;
  const draftBefore = ok(await s1.gql(EXPERIMENT, { key: DRAFT })).experiment;
  const historyBefore = ok(await s1.gql(HISTORY, { key: RUNNING, limit: 0 })).history;
  const stateBefore = ok(await s1.gql(STATE));
  expect(experimentBefore.state).toBe("RUNNING");
  expect(draftBefore.state).toBe("DRAFT");
  expect(historyBefore.map((r: { mutation: string }) => r.mutation)).toEqual(["set_override", "started", "created"]);
  expect(stateBefore.configVersion).toBe(4);

  // Exposures: one per assign so far (counting them flushes the buffer) …
  const expected = new Map<string, number>([["control", 0], ["treatment", 0]]);
  for (const { variant } of sticky.values()) expected.set(variant, expected.get(variant)! + 1);
  const counted = ok(await s1.gql(EXPOSURE_COUNTS, { experiment: RUNNING })).exposureCounts;
  expect(counted).toEqual([...expected].map(([variant, exposures]) => ({ variant, exposures })));

  // … then more, still buffered in memory when the server stops right away.
  const late = await Promise.all([...ACTORS, QA].map((actor) => s1.gql(ASSIGN, { experiment: RUNNING, actor })));
  for (const r of late) {
    const a = ok(r).assign;
    expected.set(a.variant, expected.get(a.variant)! + 1);
    if (a.actor === QA) expect(a).toMatchObject({ variant: "treatment", isOverride: true });
    else expect(a.variant).toBe(sticky.get(a.actor)!.variant);
  }
  await s1.stop();

  // --- A second server on the same data. ---
  second = await start();
  const s2 = second;

  expect(ok(await s2.gql(EXPERIMENT, { key: RUNNING })).experiment).toEqual(experimentBefore);
  expect(ok(await s2.gql(EXPERIMENT, { key: DRAFT })).experiment).toEqual(draftBefore);
  const after = ok(await s2.gql(EXPERIMENT, { key: RUNNING })).experiment;
  expect(after).toMatchObject({
    state: "RUNNING",
    description: "survives restarts",
    services: ["ranker_svc", "web"],
    exclusionGroup: "restart-group",
    variants: [
      { key: "control", weight: 40, params: { color: "blue", size: 1 } },
      { key: "treatment", weight: 60, vid: 777, params: { color: "green", nested: { a: [1, 2] } } },
    ],
  });
  expect(ok(await s2.gql(HISTORY, { key: RUNNING, limit: 0 })).history).toEqual(historyBefore);
  expect(ok(await s2.gql(STATE))).toEqual(stateBefore);

  // Exposures recorded just before the stop were flushed on shutdown: none lost, none doubled.
  expect(ok(await s2.gql(EXPOSURE_COUNTS, { experiment: RUNNING })).exposureCounts).toEqual(
    [...expected].map(([variant, exposures]) => ({ variant, exposures })),
  );
  expect([...expected.values()].reduce((x, y) => x + y, 0)).toBe(2 * ACTORS.length + 1);

  // Sticky assignments and the override, read back and served again.
  for (const actor of ACTORS) {
    const stored = ok(await s2.gql(ASSIGNMENT, { experiment: RUNNING, actor })).assignment;
    expect(stored).toEqual({ experiment: RUNNING, actor, isOverride: false, ...sticky.get(actor)! });
    const again = ok(await s2.gql(ASSIGN, { experiment: RUNNING, actor })).assign;
    expect(again).toMatchObject({ variant: sticky.get(actor)!.variant, vid: sticky.get(actor)!.vid, isOverride: false });
  }
  expect(ok(await s2.gql(ASSIGNMENT, { experiment: RUNNING, actor: QA })).assignment).toMatchObject({ variant: "treatment", vid: 777, isOverride: true });
  expect(ok(await s2.gql(ASSIGN, { experiment: RUNNING, actor: QA })).assign).toMatchObject({ variant: "treatment", vid: 777, isOverride: true });

  // The second server writes on top: versions and vids continue where the first one stopped.
  const next = ok(await s2.gql(CREATE, { input: { key: "restart-next", variants: [{ key: "x", weight: 1 }] } })).createExperiment;
  expect(next.variants[0].vid).toBeGreaterThan(777);
  expect(ok(await s2.gql(STATE)).configVersion).toBe(stateBefore.configVersion + 1);
  const duplicate = await s2.gql(CREATE, { input: { key: RUNNING, variants: [{ key: "x", weight: 1 }] } });
  expect(duplicate.errors?.[0]?.extensions.code).toBe("CONFLICT");
});
