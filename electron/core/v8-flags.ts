// How V8 should size the young generation of the isolates that run the engine (its process's main
// thread and the session writer thread).
//
// V8 doubles an isolate's young generation each time the bytes that survived scavenges since the last
// doubling exceed its size, up to two 32 MiB semi-spaces in Node 24, and keeps it while the isolate is
// busy. A recording relay allocates fast and always has some frames in flight when a scavenge comes, so
// over a long capture both isolates reach that maximum: about 100 MiB each of resident memory that
// grows with the capture's length before levelling off. With 8 MiB semi-spaces the recording benchmark's
// peak RSS grew 20 MiB from 100k to 1M frames instead of 230 MiB, and it recorded no slower.
//
// V8 reads the main isolate's limit when the process starts: ENGINE_V8_FLAGS must be on the command
// line (package.json's scripts, the CLI's #! line, Electron's --js-flags); setting it at run time has no
// effect. Worker threads take theirs as a resource limit (YOUNG_GENERATION_MB).

export const SEMI_SPACE_MB = 8;

/** Node/V8 command-line flags for a process that runs the engine. */
export const ENGINE_V8_FLAGS: readonly string[] = [`--max-semi-space-size=${SEMI_SPACE_MB}`];

/** The same limit as a worker's `resourceLimits.maxYoungGenerationSizeMb`: V8 sizes the young generation at three semi-spaces. */
export const YOUNG_GENERATION_MB = 3 * SEMI_SPACE_MB;
