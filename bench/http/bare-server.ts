// Baseline "bare": node:http answering a fixed JSON body of a decide answer's size, nothing else.

import { fixedBodyServer, serveAsChild } from "./child-entry";
import { constantDecision } from "./requests";

serveAsChild(fixedBodyServer(Buffer.from(JSON.stringify({ data: { decide: constantDecision() } }))));
