// A server process's CPU time, read from /proc: what one request costs the server, which other
// processes on a shared machine disturb less than they disturb requests per second.

import { readFileSync } from "node:fs";

/** Linux's USER_HZ: /proc's times are in these ticks (100 on every common kernel). */
const TICKS_PER_SECOND = 100;

/** User plus system CPU seconds `pid` has used so far; null where /proc cannot say (not Linux, or gone). */
export function cpuSecondsOf(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15, so 12 and 13 here (field 3 is the first after the name).
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}
