// Preloaded (node --require) into the Tessera server: it stops when the bench dies, even by SIGKILL (no orphans).

// The IPC channel closes whenever the parent goes, however it goes; main.js is left exactly as it ships.
process.channel?.unref();
process.on("disconnect", () => {
  // SIGTERM: the server's own graceful stop (drain, flush exposures, close the database).
  process.kill(process.pid, "SIGTERM");
  // If that stop hangs there is nobody left to wait for it.
  setTimeout(() => process.exit(1), 10_000).unref();
});
